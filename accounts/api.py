"""Accounts endpoints of the JSON API (mounted under /api/auth by shop/api.py)."""

from typing import Annotated

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictStr

from accounts import services
from accounts.tokens import SignInRequired, issue_token
from core.clients import client_address
from core.openapi import doc
from core.schemas import text
from core.throttle import registrations_by_address

router = Router(tags=["accounts"])


class Credentials(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "customer@example.com", "password": "customer123"}]
        }
    )

    email: Annotated[text(254), Field(json_schema_extra={"format": "email"})]
    # Long enough for any passphrase, short enough that hashing it stays cheap.
    password: StrictStr = Field(min_length=1, max_length=1024)


class UserOut(Schema):
    id: int
    email: str
    is_staff: bool


class TokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int
    user: UserOut


@router.post("/login", response=TokenOut, openapi_extra=doc(errors=(429,)))
def login(request, body: Credentials):
    """Sign in: logs the session in (the cart is kept) and returns a Bearer access token."""
    user = services.authenticate(request, email=body.email, password=body.password)
    services.log_in(request, user)
    return {
        "access_token": issue_token(user),
        "token_type": "Bearer",
        "expires_in": settings.TOKEN_MAX_AGE,
        "user": user,
    }


LOGGED_OUT = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}


@router.post("/logout", openapi_extra=doc(bodies={200: LOGGED_OUT}))
def logout(request):
    """Sign out everywhere: this session, every other session and every token of the user."""
    services.log_out(request)
    return {"detail": "Signed out."}


@router.post("/register", response={201: UserOut}, openapi_extra=doc(errors=(429,)))
def register(request, body: Credentials):
    """Create a shopper account (it does not sign in; call /auth/login next).

    Registrations are limited per client address (REGISTER_LIMIT_PER_ADDRESS an hour).
    """
    registrations_by_address.hit(client_address(request))
    return Status(201, services.register(email=body.email, password=body.password))


@router.get("/me", response=UserOut, openapi_extra=doc(auth="user"))
def me(request):
    """The signed-in user (by token or session cookie), or 401."""
    if not request.user.is_authenticated:
        raise SignInRequired()
    return request.user
