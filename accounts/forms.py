"""Account forms for the admin and the storefront."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from accounts import throttle
from accounts.models import User
from core.text import validate_line


def _one_line(form: forms.Form, *names: str) -> None:
    """Refuse control characters in these text fields (core/text.py), as the API does."""
    for name in names:
        if name in form.fields:
            form.fields[name].validators.append(validate_line)


class _UniqueEmail:
    """Emails are stored lower-case and unique whatever their case, as sign-in looks them up."""

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class UserCreationForm(_UniqueEmail, auth_forms.UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _one_line(self, "email")


class UserChangeForm(_UniqueEmail, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _one_line(self, "email", "name")


class SignUpForm(forms.Form):
    """The storefront's sign-up form; accounts.services.register does the real checks."""

    email = forms.EmailField(label="Email address", max_length=254, validators=[validate_line])
    password1 = forms.CharField(
        label="Password",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords do not match.")
        return data


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, labelled for an email login."""

    username = auth_forms.UsernameField(
        label="Email address",
        max_length=254,
        validators=[validate_line],
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's password change form; a wrong old password counts as a failed sign-in.

    The account's and the client address's counters are the sign-in throttle's
    (accounts/throttle.py): validating a form over the limit raises Throttled (429).
    """

    def __init__(self, user, *args, client: str | None = None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.client = client

    def clean_old_password(self) -> str:
        reserved = throttle.reserve(self.user.email, self.client)
        old_password = super().clean_old_password()  # ValidationError if wrong: it counts
        throttle.release(reserved)
        return old_password


class EmailChangeForm(forms.Form):
    """A new email address and the current password; accounts.services checks the rest."""

    email = forms.EmailField(
        label="New email address",
        max_length=254,
        validators=[validate_line],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Current password",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
