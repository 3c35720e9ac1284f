"""Errors to Sentry: optional, no personal data, card data and secrets scrubbed."""

import json
import sys
import types

import pytest
from django.core.exceptions import ImproperlyConfigured

from shop.requestlog import request_id
from shop.sentry import FILTERED, init_sentry, scrub_event

CARD = "4242424242424242"


def sample_event() -> dict:
    """An event as sentry-sdk's Django integration sends it from a failed payment."""
    return {
        "message": f"Charge failed for card {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}",
        "request": {
            "url": "https://shop.example.com/api/orders/7/pay",
            "method": "POST",
            "query_string": "page=2&token=abc123",
            "headers": {
                "Authorization": "Bearer secret-token",
                "Cookie": "sessionid=s3ss10n; csrftoken=c5rf",
                "User-Agent": "curl/8",
            },
            "cookies": {"sessionid": "s3ss10n"},
            "data": json.dumps(
                {
                    "method": "credit_card",
                    "card": {"number": CARD, "exp_month": 12, "exp_year": 2030, "cvv": "987"},
                }
            ),
        },
        "exception": {
            "values": [
                {
                    "type": "GatewayError",
                    "value": f"declined: {CARD}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "_pay",
                                "vars": {
                                    "card": {"number": CARD, "cvv": "987"},
                                    "details": f"CardDetails(number='{CARD}', cvv='987')",
                                    "order_number": "CS-ABCDEFGHJK",
                                    "total": "1234567890123",
                                },
                            },
                            {
                                "function": "log_in",
                                "vars": {"password": "hunter22", "new_password1": "x"},
                            },
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"message": "password=hunter22&email=ada@example.com"},
                {"message": "sent Authorization='Bearer secret-token' Cookie=csrftoken=c5rf"},
            ]
        },
    }


def test_the_scrubber_removes_card_data_passwords_and_credentials():
    event = scrub_event(sample_event(), {})
    text = json.dumps(event)
    for secret in [
        CARD,
        "4242 4242",
        "987",
        "hunter22",
        "secret-token",
        "s3ss10n",
        "c5rf",
        "abc123",
    ]:
        assert secret not in text, secret
    assert event["request"]["headers"]["Authorization"] == FILTERED
    assert event["request"]["headers"]["Cookie"] == FILTERED
    assert event["request"]["data"] == {"method": "credit_card", "card": FILTERED}
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert frames[0]["vars"]["card"] == FILTERED and frames[1]["vars"]["password"] == FILTERED


def test_the_scrubber_keeps_what_helps_debugging():
    event = scrub_event(sample_event(), {})
    assert event["request"]["headers"]["User-Agent"] == "curl/8"
    assert event["request"]["url"].endswith("/api/orders/7/pay")
    assert "page=2" in event["request"]["query_string"]
    frame_vars = event["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]
    assert frame_vars["order_number"] == "CS-ABCDEFGHJK"
    assert frame_vars["total"] == "1234567890123"  # digits that are no card number stay
    assert "ada@example.com" in event["breadcrumbs"]["values"][0]["message"]


def test_an_event_is_tagged_with_its_request_id():
    token = request_id.set("abc123def")
    try:
        event = scrub_event({"message": "boom"}, {})
    finally:
        request_id.reset(token)
    assert event["tags"]["request_id"] == "abc123def"


def test_sentry_is_initialised_without_personal_data_and_with_the_scrubber(monkeypatch):
    calls = []
    monkeypatch.setitem(
        sys.modules, "sentry_sdk", types.SimpleNamespace(init=lambda **kw: calls.append(kw))
    )
    init_sentry("https://key@o1.ingest.sentry.io/1", environment="staging")
    (kwargs,) = calls
    assert kwargs["send_default_pii"] is False and kwargs["before_send"] is scrub_event
    assert (kwargs["dsn"], kwargs["environment"]) == (
        "https://key@o1.ingest.sentry.io/1",
        "staging",
    )


def test_a_dsn_without_sentry_sdk_installed_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # import sentry_sdk now fails
    with pytest.raises(ImproperlyConfigured, match="sentry-sdk is not installed"):
        init_sentry("https://key@o1.ingest.sentry.io/1", environment="production")
