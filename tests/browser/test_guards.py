"""The harness's own guards catch what they promise to (so a green run means something)."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROKEN = """<!doctype html><html lang="en"><head><title>broken</title></head><body>
<h1>One</h1><h1>Two</h1>
<img src="/static/img/logo.svg">
<input name="nameless">
<div class="btn" tabindex="-1">Fake button</div>
<script>throw new Error("boom")</script>
<img src="https://elsewhere.example/pixel.png" alt="">
</body></html>"""


def test_console_csp_and_accessibility_problems_are_caught(page):
    page.route(
        "**/broken/",
        lambda route: route.fulfill(
            content_type="text/html",
            body=BROKEN,
            headers={"Content-Security-Policy": "default-src 'self' 'unsafe-inline'"},
        ),
    )
    page.goto("/broken/")
    expect(page.get_by_role("heading", name="Two")).to_be_visible()
    page.evaluate("0")  # a round trip, so every console event has arrived
    caught = "\n".join(page.guard.unexpected())
    assert "a11y: 2 <h1> elements" in caught
    assert "a11y: <img src=/static/img/logo.svg> has no alt" in caught
    assert "a11y: form field input[name=nameless] has no label" in caught
    assert "a11y: button div is not keyboard-focusable" in caught
    assert "uncaught boom" in caught
    assert "CSP violation: img-src blocked https://elsewhere.example/pixel.png" in caught
    with pytest.raises(AssertionError, match="2 <h1> elements"):
        assert_accessible(page)
    page.guard.errors.clear()  # the test expected them; the fixture's final check stays green


def test_a_clean_page_passes_the_guards(page):
    page.goto("/")
    assert_accessible(page)
    page.evaluate("0")
    assert page.guard.unexpected() == []
