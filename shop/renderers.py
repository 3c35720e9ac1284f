"""JSON out: the API's one renderer, through orjson.

orjson writes datetimes in ISO 8601, UUIDs as strings and text as UTF-8 (not `\\u`
escapes); Decimals come through `_default`, as JSON numbers (money is always in cents).
"""

from decimal import Decimal

import orjson
from ninja.renderers import BaseRenderer


def _default(o):
    if isinstance(o, Decimal):
        return float(o)  # money is quantized to cents; floats print them exactly
    return str(o)


class JSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
