"""The servers' email backend in the fault test: Django's file backend in the run's temp dir.

Every message the outbox sends lands in a file, so the books can count what was delivered
(a message sent twice shows up twice). The folder comes from FAULTS_MAIL_DIR.
"""

import os

from django.core.mail.backends.filebased import EmailBackend


class MailboxBackend(EmailBackend):
    def __init__(self, *args, **kwargs):
        kwargs["file_path"] = os.environ["FAULTS_MAIL_DIR"]
        super().__init__(*args, **kwargs)
