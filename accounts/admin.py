import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import privacy, services
from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import User
from core.errors import ShopError


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined", "email_verified_at"]}),
        ("Sessions", {"fields": ["auth_generation"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined", "email_verified_at", "auth_generation"]
    actions = ["sign_out_everywhere", "export_personal_data", "erase_personal_data"]

    # Rights are granted by superusers only: whoever may change users could otherwise make
    # themselves superuser, or take over a superuser's account by its email or password.
    RIGHTS = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, *self.RIGHTS]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Write only what the form changed: the row read for the form may be stale, and
        # saving it whole would undo a password change or a sign-out made meanwhile.
        concrete = {field.name for field in obj._meta.concrete_fields}
        obj.save(update_fields=[name for name in form.changed_data if name in concrete])

    @admin.action(
        description="Sign out everywhere (revoke all sessions and API tokens)",
        permissions=["change"],
    )
    def sign_out_everywhere(self, request, queryset):
        count = services.revoke_sessions(user_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Signed out {count} user(s) everywhere.", messages.SUCCESS)

    # Deleting a user goes through accounts.privacy.delete_account (orders anonymized, not
    # in the way): Django's bulk delete is replaced by the action, the delete page by its
    # confirmation.
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, user):
            raise PermissionDenied
        return self._erase_confirmation(request, [user])

    def has_export_permission(self, request):
        # The export holds the account's orders too.
        return request.user.has_perms(["accounts.view_user", "orders.view_order"])

    @admin.action(
        description="Export personal data (one user, a JSON file)", permissions=["export"]
    )
    def export_personal_data(self, request, queryset):
        users = list(queryset[:2])
        if len(users) != 1:
            self.message_user(request, "Select exactly one user to export.", messages.ERROR)
            return None
        user = users[0]
        if user.is_superuser and not request.user.is_superuser:
            self.message_user(request, "Only a superuser may export a superuser.", messages.ERROR)
            return None
        data = privacy.export_data(user)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        filename = f"corner-shop-data-{user.pk}-{timezone.localdate().isoformat()}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description="Delete accounts and erase personal data", permissions=["delete"])
    def erase_personal_data(self, request, queryset):
        users = list(queryset)
        if request.POST.get("post") != "yes":
            return self._erase_confirmation(request, users)
        erased, refused = 0, []
        for user in users:
            if not self.has_delete_permission(request, user) or user.pk == request.user.pk:
                refused.append(f"{user.email}: not allowed")
                continue
            try:
                privacy.delete_account(user=user, staff=request.user)
            except ShopError as err:
                refused.append(f"{user.email}: {err.message}")
            else:
                erased += 1
        if erased:
            self.message_user(
                request,
                f"Deleted {erased} account(s) and erased their personal data.",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, "Not deleted: " + "; ".join(refused), messages.ERROR)
        return None

    def _erase_confirmation(self, request, users):
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete accounts and erase personal data",
            "opts": self.opts,
            "users": users,
            "allowed": [
                user
                for user in users
                if self.has_delete_permission(request, user) and user.pk != request.user.pk
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "accounts/privacy/admin_delete.html", context)
