"""Who may do what, checked by views and API endpoints alike."""

from core.errors import Forbidden


def require_staff(request) -> None:
    """Raises Forbidden (403) unless the caller is a signed-in staff member."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_staff):
        raise Forbidden("Only staff may do that.")
