from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts import services
from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import User


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
        ("Dates", {"fields": ["last_login", "date_joined"]}),
        ("Sessions", {"fields": ["auth_generation"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined", "auth_generation"]
    actions = ["sign_out_everywhere"]

    @admin.action(description="Sign out everywhere (revoke all sessions and API tokens)")
    def sign_out_everywhere(self, request, queryset):
        count = services.revoke_sessions(user_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Signed out {count} user(s) everywhere.", messages.SUCCESS)
