"""The email outbox: one row per email, written in the transaction of what it announces."""

from django.db import models
from django.utils import timezone


class Email(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for its next attempt (next_attempt_at)
        SENDING = "sending", "Sending"  # claimed by a sender at claimed_at
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # gave up after OUTBOX_MAX_ATTEMPTS; staff may retry

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    # Extra message headers, e.g. List-Unsubscribe (RFC 8058's one-click unsubscribe).
    headers = models.JSONField(default=dict, blank=True)
    # Written only by outbox.services, each change a conditional UPDATE.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # sends started, counted at each claim
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
