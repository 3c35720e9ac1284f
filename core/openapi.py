"""An endpoint's OpenAPI extras, declared next to it: `@router.post(..., openapi_extra=doc(...))`.

ninja describes each operation's success response from its schemas; `doc()` adds what an
endpoint knows beyond that: the domain errors it answers, who may call it, the
`Idempotency-Key` header, response headers and links. The errors that shared code answers
on every operation (bad JSON, a foreign Origin, a bad token...) are added from the
operation's shape by shop/openapi.py, which also defines the components referred to here.
"""

# status: (component name, description) of every error answer the API gives.
RESPONSES = {
    400: ("BadRequest", "Bad input: invalid JSON, wrong types, missing or invalid fields."),
    401: ("Unauthorized", "Not signed in, or the access token is invalid or expired."),
    402: ("PaymentRequired", "The card was declined (`card_declined`, `insufficient_funds`)."),
    403: ("Forbidden", "Not allowed, or an unsafe cookie request from another site."),
    404: ("NotFound", "Unknown, or not the caller's."),
    409: ("Conflict", "The request conflicts with the current state."),
    413: ("PayloadTooLarge", "The body is larger than 1 MB."),
    415: ("UnsupportedMediaType", "The body is not sent as application/json."),
    422: ("UnprocessableEntity", "The Idempotency-Key was already used for another request."),
    429: ("TooManyRequests", "Too many failed attempts; retry after `Retry-After` seconds."),
    502: ("BadGateway", "The payment processor failed; nothing was charged."),
    504: ("GatewayTimeout", "The payment processor did not answer in time."),
}

SIGNED_IN = [{"cookieAuth": []}, {"bearerAuth": []}]

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "A retry with the same key gets the first answer; nothing happens twice. "
    "Reusing a key for a different request is a 422.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}


def error_ref(status: int) -> dict:
    """The shared response component of an error status."""
    return {"$ref": f"#/components/responses/{RESPONSES[status][0]}"}


def link(operation_id: str, **parameters: str) -> dict:
    """An OpenAPI link to another operation, its path parameters taken from this answer."""
    result = {"operationId": operation_id}
    if parameters:
        result["parameters"] = parameters
    return result


def doc(
    *,
    errors: tuple[int, ...] = (),
    auth: str | None = None,
    idempotent: bool = False,
    headers: dict[int, dict] | None = None,
    links: dict[int, dict] | None = None,
    bodies: dict[int, dict] | None = None,
) -> dict:
    """The `openapi_extra` of one operation.

    errors: domain error statuses it answers beyond the generic ones; auth: "user" (401
    when anonymous) or "staff" (403 for others); idempotent: takes `Idempotency-Key`;
    headers, links, bodies: per success status, its response headers, links and the JSON
    schema of a body the endpoint builds without a response schema.
    """
    responses: dict[int, dict] = {status: error_ref(status) for status in errors}
    if auth == "staff":
        responses[403] = error_ref(403)
    for status, value in (headers or {}).items():
        responses.setdefault(status, {})["headers"] = value
    for status, value in (links or {}).items():
        responses.setdefault(status, {})["links"] = value
    for status, schema in (bodies or {}).items():
        responses.setdefault(status, {})["content"] = {"application/json": {"schema": schema}}
    extra: dict = {"responses": responses} if responses else {}
    if auth:
        extra["security"] = SIGNED_IN
    if idempotent:
        extra["parameters"] = [IDEMPOTENCY_KEY]
    return extra
