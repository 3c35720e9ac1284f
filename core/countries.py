"""Countries: ISO 3166-1 alpha-2 codes and their names, from django-countries."""

from django_countries import countries


def country_problem(value: str) -> str | None:
    """What is wrong with a country code, or None (codes are compared in upper case)."""
    if not isinstance(value, str) or value.upper() not in countries:
        return "must be a 2-letter ISO 3166 country code, like US"
    return None


def country_name(code: str) -> str:
    return countries.name(code) or code
