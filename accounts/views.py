"""Storefront account pages: sign up, sign in, sign out, password and email changes, email
verification, the account page."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import services, verification
from accounts.forms import EmailChangeForm, PasswordChangeForm, SignInForm, SignUpForm
from core.clients import client_address
from core.errors import ShopError, Throttled
from core.throttle import registrations_by_address


def _next_url(request) -> str:
    """Where to go after signing in: a safe `next`, else the account page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _throttled(response, err: Throttled):
    response.status_code = 429
    response["Retry-After"] = str(err.retry_after)
    return response


def _wait(err: Throttled) -> str:
    """How long to wait, in words: "in 12 minutes", "in 40 seconds"."""
    if err.retry_after < 60:
        return f"in {err.retry_after} seconds"
    minutes = -(-err.retry_after // 60)
    return f"in {minutes} minute{'s' if minutes > 1 else ''}"


@sensitive_post_parameters("password")
@never_cache
def sign_in(request):
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    if request.method == "POST":
        try:
            valid = form.is_valid()
        except Throttled as err:
            form.add_error(None, err.message)
            return _throttled(render(request, "accounts/login.html", context), err)
        if valid:
            services.log_in(request, form.get_user())
            return redirect(_next_url(request))
    return render(request, "accounts/login.html", context)


@sensitive_post_parameters("password1", "password2")
@never_cache
def sign_up(request):
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            registrations_by_address.hit(client_address(request))
        except Throttled as err:
            form.add_error(None, f"Too many sign-ups from your network. Try again {_wait(err)}.")
            return _throttled(render(request, "accounts/signup.html", {"form": form}), err)
        try:
            email = services.register(
                email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
            )
        except ShopError as err:
            for field, problems in (err.fields or {}).items():
                for problem in problems:
                    form.add_error("password1" if field == "password" else field, problem)
        else:
            # The same page whether or not the address had an account (no enumeration).
            return render(request, "accounts/signup_done.html", {"email": email})
    return render(request, "accounts/signup.html", {"form": form})


@require_POST
def sign_out(request):
    services.log_out(request)
    messages.success(request, "You are signed out on every device.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def account(request):
    return render(request, "accounts/account.html")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request):
    form = PasswordChangeForm(
        request.user,
        request.POST if request.method == "POST" else None,
        client=client_address(request),
    )
    try:
        valid = request.method == "POST" and form.is_valid()
    except Throttled as err:  # too many wrong old passwords (or failed sign-ins)
        form.add_error(None, f"Too many wrong passwords. Try again {_wait(err)}.")
        response = render(request, "accounts/password_change.html", {"form": form})
        return _throttled(response, err)
    if valid:
        services.change_password(
            request, user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        messages.success(request, "Password changed. Your other devices are signed out.")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@sensitive_post_parameters("password")
@login_required
def email_change(request):
    form = EmailChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            email = services.request_email_change(
                user=request.user,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client=client_address(request),
            )
        except Throttled as err:
            form.add_error(None, f"{err.message} Try again {_wait(err)}.")
            response = render(request, "accounts/email_change.html", {"form": form})
            return _throttled(response, err)
        except ShopError as err:
            for field, problems in (err.fields or {"email": [err.message]}).items():
                for problem in problems:
                    form.add_error(field, problem)
        else:
            messages.success(
                request,
                f"We sent a link to {email}. Your address changes when you open it; "
                f"until then, sign in with {request.user.email}.",
            )
            return redirect("accounts:account")
    return render(request, "accounts/email_change.html", {"form": form})


@never_cache
def verify(request, token: str):
    """GET shows a button, POST verifies: mail scanners that prefetch links verify nothing."""
    try:
        link = verification.read_token(token)
        if request.method == "POST":
            user = verification.confirm_email(token=token)
    except ShopError as err:
        response = render(request, "accounts/verify.html", {"error": err.message})
        response.status_code = err.status
        return response
    if request.method != "POST":
        return render(request, "accounts/verify.html", {"link": link})
    messages.success(request, f"Thank you: {user.email} is confirmed.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("accounts:account")
    return redirect(settings.LOGIN_URL)


@require_POST
@login_required
def verify_resend(request):
    try:
        services.resend_verification(user=request.user, client=client_address(request))
    except Throttled as err:
        messages.error(request, f"We sent several links already. Try again {_wait(err)}.")
    except ShopError as err:
        messages.info(request, err.message)
    else:
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect(_next_url(request))


def admin_login(request, **kwargs):
    """The admin's sign-in page, answering 429 when failed sign-ins are throttled."""
    try:
        return admin.site.login(request, **kwargs)
    except Throttled as err:
        response = render(request, "accounts/throttled.html", {"message": err.message})
        return _throttled(response, err)


@require_POST
def admin_logout(request, **kwargs):
    """The admin's sign-out: like the storefront's and the API's, it signs out everywhere.

    Mounted through admin.site.admin_view (staff only, CSRF-checked), as Django mounts its own.
    """
    services.log_out(request)
    return admin.site.logout(request, **kwargs)  # then what the admin does: redirect
