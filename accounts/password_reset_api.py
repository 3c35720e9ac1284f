"""Password reset endpoints of the JSON API (mounted under /api/auth by shop/api.py)."""

from typing import Annotated

from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictStr

from accounts import password_reset
from core.clients import client_address
from core.openapi import doc
from core.schemas import text

router = Router(tags=["accounts"])

SENT = "If an account uses this address, we have sent it a link to reset the password."
RESET = "Your password is reset and you are signed out everywhere. Sign in with the new one."


class PasswordResetIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "customer@example.com"}]})

    email: Annotated[text(254), Field(json_schema_extra={"format": "email"})]


class PasswordResetConfirmIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uid": "MQ",
                    "token": "cl9x2a-0f3c51b6f2e6a3d4b8e1",
                    "new_password": "a-new-long-passphrase-7",
                }
            ]
        }
    )

    uid: text(64)  # both as in the emailed link: /account/password-reset/<uid>/<token>/
    token: text(128)
    # Long enough for any passphrase, short enough that hashing it stays cheap.
    new_password: StrictStr = Field(min_length=1, max_length=1024)


class MessageOut(Schema):
    message: str


@router.post("/password-reset", response={202: MessageOut}, openapi_extra=doc(errors=(429,)))
def request_reset(request, body: PasswordResetIn):
    """Email a link to reset the password; the answer is the same whether or not the
    address has an account. Limited per email address and per client address (429)."""
    password_reset.request_reset(email=body.email, client=client_address(request))
    return Status(202, {"message": SENT})


@router.post("/password-reset/confirm", response=MessageOut)
def confirm_reset(request, body: PasswordResetConfirmIn):
    """Set a new password with the uid and token of an emailed link (400
    `invalid_reset_token` if it is bad, expired or used); every session and token ends."""
    password_reset.confirm_reset(uid=body.uid, token=body.token, new_password=body.new_password)
    return {"message": RESET}
