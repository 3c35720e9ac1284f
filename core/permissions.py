"""Who may do what, checked by views and API endpoints alike."""

from core.errors import Forbidden


def require_staff(request) -> None:
    """Raises Forbidden (403) unless the caller is a signed-in staff member."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_staff):
        raise Forbidden("Only staff may do that.")


def require_perm(request, perm: str) -> None:
    """Raises Forbidden (403) unless the caller is staff holding `perm` ("app.codename").

    The same Django permissions as the admin's (a superuser holds them all); docs/API.md
    lists which endpoint needs which.
    """
    require_staff(request)
    if not request.user.has_perm(perm):
        raise Forbidden("You do not have permission to do that.")
