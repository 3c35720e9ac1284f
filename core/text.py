"""The one rule for typed text: which control characters a value may hold.

A line of text (a name, a code, a search) holds no control character: none of C0 (NUL
included), DEL or C1 (U+0080 to U+009F). A multi-line text (a product description) may
also hold tabs and line breaks (\\n or \\r\\n), nothing else. The API's schemas, the
storefront's and the admin's forms and the services all check text with these.
"""

import re

from django.core.exceptions import ValidationError

# The same rules as JSON Schema (ECMAScript) patterns, published in the OpenAPI document.
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTILINE_PATTERN = r"^(?:[^\x00-\x08\x0b-\x1f\x7f-\x9f]|\r\n)*$"

_LINE = re.compile(LINE_PATTERN)
_MULTILINE = re.compile(MULTILINE_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

MESSAGE = "must not contain control characters"


def has_control_chars(value: str, *, multiline: bool = False) -> bool:
    """Whether `value` holds a control character its kind of text may not hold."""
    return not (_MULTILINE if multiline else _LINE).fullmatch(value)


def without_controls(value: str) -> str:
    """`value` without its control characters (search text typed into a URL)."""
    return _CONTROL.sub("", value)


def validate_line(value: str) -> None:
    """A form or model validator: one line of text. Raises ValidationError."""
    if has_control_chars(value):
        raise ValidationError("Remove the control characters.", code="control_characters")


def validate_multiline(value: str) -> None:
    """A form or model validator: text that may hold tabs and line breaks."""
    if has_control_chars(value, multiline=True):
        raise ValidationError(
            "Remove the control characters (tabs and line breaks are fine).",
            code="control_characters",
        )
