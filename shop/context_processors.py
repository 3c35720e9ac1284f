"""Template context shared by every page."""

from django.conf import settings


def currency(request):
    """The shop's currency code, shown beside every price."""
    return {"CURRENCY": settings.CURRENCY}
