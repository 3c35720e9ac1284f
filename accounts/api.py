"""Accounts endpoints of the JSON API: `router` under /api/auth, `account_router` under
/api/account (both mounted by shop/api.py)."""

from typing import Annotated

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictStr

from accounts import services, verification
from accounts.tokens import SignInRequired, issue_token
from core.clients import client_address
from core.openapi import doc
from core.schemas import text
from core.throttle import registrations_by_address

router = Router(tags=["accounts"])
account_router = Router(tags=["accounts"])


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
    email_verified: bool


class EmailSentOut(Schema):
    """An email is on its way (or, for a taken address, one to its owner: the same answer)."""

    email: str
    message: str


class TokenIn(Schema):
    token: text(1024)


class VerifiedOut(Schema):
    email: str
    email_verified: bool


class EmailChangeIn(Schema):
    email: Annotated[text(254), Field(json_schema_extra={"format": "email"})]
    password: StrictStr = Field(min_length=1, max_length=1024)


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


@router.post("/register", response={202: EmailSentOut}, openapi_extra=doc(errors=(429,)))
def register(request, body: Credentials):
    """Sign up: 202 whether or not the address has an account, so it tells no one who does.

    A new address gets an unverified account (it may sign in with /auth/login at once) and
    a verification link; the owner of a taken one gets an email instead. Registrations are
    limited per client address (REGISTER_LIMIT_PER_ADDRESS an hour).
    """
    registrations_by_address.hit(client_address(request))
    email = services.register(email=body.email, password=body.password)
    message = f"We sent an email to {email}. Open the link in it to confirm your address."
    return Status(202, {"email": email, "message": message})


@router.get("/me", response=UserOut, openapi_extra=doc(auth="user"))
def me(request):
    """The signed-in user (by token or session cookie), or 401."""
    if not request.user.is_authenticated:
        raise SignInRequired()
    return request.user


@router.post("/verify-email", response=VerifiedOut, openapi_extra=doc(errors=(409,)))
def verify_email(request, body: TokenIn):
    """Open the link of a verification or email change email: its `token` (the last part
    of the link's path). 400 `invalid_link` if tampered, expired or for an old address;
    409 `email_changed` / `email_taken` if an email change can no longer apply."""
    user = verification.confirm_email(token=body.token)
    return {"email": user.email, "email_verified": user.email_verified}


@router.post(
    "/verify-email/resend",
    response={202: EmailSentOut},
    openapi_extra=doc(errors=(409, 429), auth="user"),
)
def resend_verification(request):
    """Send the signed-in user a new verification link; 409 `already_verified`; limited
    per account (ACCOUNT_EMAIL_LIMIT an hour) and per client address."""
    if not request.user.is_authenticated:
        raise SignInRequired()
    services.resend_verification(user=request.user, client=client_address(request))
    message = f"We sent a new link to {request.user.email}."
    return Status(202, {"email": request.user.email, "message": message})


@account_router.post(
    "/email", response={202: EmailSentOut}, openapi_extra=doc(errors=(429,), auth="user")
)
def change_email(request, body: EmailChangeIn):
    """Ask to change the signed-in user's address: a link goes to the new address and the
    change happens when it is opened (POST /auth/verify-email). 202 whether or not the new
    address has an account (its owner is told instead). A wrong password is 400
    `wrong_password` and counts as a failed sign-in."""
    if not request.user.is_authenticated:
        raise SignInRequired()
    email = services.request_email_change(
        user=request.user,
        email=body.email,
        password=body.password,
        client=client_address(request),
    )
    message = f"We sent a link to {email}. The address changes when it is opened."
    return Status(202, {"email": email, "message": message})
