"""Storefront pages for a person's data: download it, delete the account."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import privacy
from accounts.errors import WrongPassword
from core.clients import client_address
from core.errors import ShopError, Throttled


class DeleteAccountForm(forms.Form):
    """The account's password, to confirm that its owner deletes it."""

    password = forms.CharField(
        label="Your password",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, client: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.client = user, client

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        try:
            privacy.check_password(self.user, password, client=self.client)
        except WrongPassword as err:
            raise forms.ValidationError(err.message) from None
        return password


@never_cache
@login_required
def export(request):
    """Download everything the shop keeps about the account as a JSON file."""
    data = privacy.export_data(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"corner-shop-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@sensitive_post_parameters("password")
@never_cache
@login_required
def delete(request):
    """GET: what deleting the account does, and its password asked; POST: delete it."""
    form = DeleteAccountForm(
        request.user,
        request.POST if request.method == "POST" else None,
        client=client_address(request),
    )
    context = {"form": form, "staff_account": request.user.is_staff}
    if request.user.is_staff:  # deleted in the admin only (accounts.privacy.StaffAccount)
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/privacy/delete.html", context, status=status)
    try:
        valid = request.method == "POST" and form.is_valid()
    except Throttled as err:  # too many wrong passwords (or failed sign-ins)
        form.add_error(None, err.message)
        response = render(request, "accounts/privacy/delete.html", context, status=429)
        response["Retry-After"] = str(err.retry_after)
        return response
    if valid:
        try:
            privacy.delete_account(user=request.user)
        except ShopError as err:  # a payment or refund in flight
            form.add_error(None, err.message)
            return render(request, "accounts/privacy/delete.html", context, status=err.status)
        logout(request)  # the session's data goes too (the user row is gone already)
        messages.success(request, "Your account is deleted and your personal data erased.")
        return redirect("catalog:list")
    return render(request, "accounts/privacy/delete.html", context)
