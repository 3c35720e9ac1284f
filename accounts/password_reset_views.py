"""Password reset pages: Django's reset views with the shop's templates, throttle and sign-out."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy

from accounts import password_reset, throttle
from accounts.password_reset import InvalidResetToken, PasswordResetForm
from accounts.views import _throttled, _wait
from core.clients import client_address
from core.errors import Throttled


class RequestView(auth_views.PasswordResetView):
    """Ask for a link by email; the answer is the same whether the address has an account."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset/request.html"
    success_url = reverse_lazy("password_reset:done")

    def form_valid(self, form):
        try:
            throttle.count_reset_request(form.cleaned_data["email"], client_address(self.request))
        except Throttled as err:
            form.add_error(None, f"Too many password reset requests. Try again {_wait(err)}.")
            return _throttled(self.form_invalid(form), err)
        return super().form_valid(form)  # form.save() queues the email, then the done page


class DoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset/done.html"


class ConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the email: a new password twice, then every session and token ends.

    Django moves the token into the session and redirects to a URL without it, so that
    it never leaks in a Referer header.
    """

    template_name = "accounts/password_reset/confirm.html"
    success_url = reverse_lazy("password_reset:complete")

    def get_user(self, uidb64):
        return password_reset.user_for_uid(uidb64)

    def form_valid(self, form):
        try:
            password_reset.set_new_password(
                user=self.user, new_password=form.cleaned_data["new_password1"]
            )
        except InvalidResetToken:  # the same link was used at the same moment
            self.validlink = False
            return self.render_to_response(self.get_context_data())
        finally:
            del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class CompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset/complete.html"
