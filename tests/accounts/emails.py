"""Reading the account emails the outbox holds: who got what, and the link in it."""

import re

from outbox.models import Email

LINK = re.compile(r"http://127\.0\.0\.1:8000/account/verify/(?P<token>[^/\s]+)/")


def emails_to(address: str) -> list[Email]:
    return list(Email.objects.filter(to=address).order_by("pk"))


def link_in(email: Email) -> tuple[str, str]:
    """The verification link of an email (its path, and its token); fails if it has none."""
    found = LINK.search(email.text_body)
    assert found, email.text_body
    assert found.group(0) in email.html_body  # the HTML part links the same page
    return found.group(0).removeprefix("http://127.0.0.1:8000"), found.group("token")
