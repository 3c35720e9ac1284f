"""Path converters for the storefront's URLs (registered once, when this module is imported).

`<id:product_id>` matches 1 to 10 digits and refuses 0 and anything past 2**31 - 1 (404),
the same bound as the API's ids: a bigger number is no row on SQLite or PostgreSQL, and an
id past 64 bits would not even reach the database.
"""

from django.urls import register_converter

from core.schemas import MAX_ID


class BoundedIntConverter:
    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not an id")  # the URL does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(BoundedIntConverter, "id")
