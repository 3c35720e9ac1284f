"""JSON out: the API's renderer, and the same bytes for endpoints that answer directly."""

import json
from decimal import Decimal

from django.http import HttpResponse
from ninja.renderers import BaseRenderer


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)  # money is quantized to cents; floats print them exactly
        if hasattr(o, "isoformat"):
            return o.isoformat()
        return str(o)


def to_json(data) -> str:
    return json.dumps(data, cls=_Encoder, separators=(",", ":"))


class JSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return to_json(data)


def json_response(data, status: int = 200) -> HttpResponse:
    """What ninja answers for `data` through JSONRenderer, without validating it against
    the endpoint's response schema (for bodies the shop builds itself, on hot paths)."""
    content_type = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"
    return HttpResponse(to_json(data), status=status, content_type=content_type)
