"""Storefront account pages: sign up, sign in, sign out, password change, the account page."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import PasswordChangeForm, SignInForm, SignUpForm
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
            user = services.register(
                email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
            )
        except ShopError as err:
            for field, problems in (err.fields or {}).items():
                for problem in problems:
                    form.add_error("password1" if field == "password" else field, problem)
        else:
            services.log_in(request, user)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(_next_url(request))
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
