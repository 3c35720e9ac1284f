"""Email backends for the outbox tests: one whose mail server is down, one that is slow."""

import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowBackend(LocmemBackend):
    """Collects in mail.outbox like the test backend, taking a moment per message."""

    def send_messages(self, messages):
        time.sleep(0.01)
        return super().send_messages(messages)
