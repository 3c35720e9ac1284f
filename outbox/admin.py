"""The outbox for staff: a read-only list, and "Retry now" for those who may change emails."""

from django.contrib import admin, messages

from outbox.models import Email
from outbox.services import retry_now


@admin.action(description="Retry now", permissions=["change"])
def retry_selected(modeladmin, request, queryset):
    counts = retry_now(pks=queryset.values_list("pk", flat=True))
    modeladmin.message_user(
        request,
        f"{counts['sent']} sent, {counts['pending']} to retry later, {counts['failed']} failed, "
        f"{counts['skipped']} skipped (already sent or being sent).",
        messages.SUCCESS if not (counts["pending"] or counts["failed"]) else messages.WARNING,
    )


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = [retry_selected]
    fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "created_at",
        "last_error",
        "text_body",
        "html_body",
    ]
    readonly_fields = fields

    @admin.display(description="Last error")
    def error(self, email: Email) -> str:
        return email.last_error[:80]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission allows the action on the list; an email itself never changes.
        return obj is None and super().has_change_permission(request)
