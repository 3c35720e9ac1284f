"""Browser-test harness: a live server, Debian's Chromium, console and accessibility guards.

Every test gets a fresh demo catalog (load_demo) in the test database, served by
pytest-django's live server on a free 127.0.0.1 port, and pages from a headless Chromium
(one browser per run; each page lives in its own context: cookies are never shared).
A test fails if any page it opened logged a console error, threw, violated the
Content-Security-Policy, failed to load a subresource, or (storefront pages; the admin and
the API docs are Django's and ninja's own markup) broke the accessibility basics of guards.js.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No internet here: without these flags Chromium keeps calling Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
GUARDS_JS = (Path(__file__).with_name("guards.js")).read_text()
INIT_SCRIPT = f"""(() => {{
  const problems = {GUARDS_JS};
  document.addEventListener("DOMContentLoaded", () => {{
    // The admin and the API docs (Swagger UI) are Django's and ninja's own markup.
    if (["/admin/", "/api/"].some((p) => location.pathname.startsWith(p))) return;
    for (const problem of problems()) console.error("a11y: " + problem);
  }});
  document.addEventListener("securitypolicyviolation", (e) => {{
    console.error(`CSP violation: ${{e.violatedDirective}} blocked ${{e.blockedURI}}`);
  }});
}})();"""


@pytest.fixture(scope="package", autouse=True)
def _orm_next_to_playwright():
    """Playwright's sync API keeps an event loop running in this thread, so Django would
    refuse ORM calls from the tests; allow them for the browser tests only."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, on a free loopback port unless --liveserver says otherwise."""
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "127.0.0.1:0"
    )
    server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser(_orm_next_to_playwright):
    """One headless Chromium for the browser tests (Playwright gives it a fresh profile)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make test-browser` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def demo(live_server):
    """The demo catalog (26 products, 2 of them with options; coupon SAVE10;
    customer@example.com) in the test DB."""
    call_command("load_demo", stdout=io.StringIO())


class ConsoleGuard:
    """Collects a page's console errors, uncaught exceptions and failed requests."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (e.g. the 404 page's own status)."""
        self.allowed.append(re.compile(pattern))

    def _console(self, page, message) -> None:
        if message.type == "error":
            self.errors.append(f"{page.url}: {message.text}")

    def _request_failed(self, request) -> None:
        if request.failure != "net::ERR_ABORTED":  # cancelled by the next navigation
            self.errors.append(f"{request.url}: request failed ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.url}: HTTP {response.status} for a subresource")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def open_page(browser, live_server, demo):
    """Open a page in a new browser context (a new shopper); `js=False` turns scripts off."""
    contexts, guards = [], []

    def open_(*, js: bool = True, viewport: dict = DESKTOP):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, java_script_enabled=js
        )
        context.set_default_timeout(10_000)
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        page.guard = guard = ConsoleGuard(page)
        contexts.append(context)
        guards.append(guard)
        return page

    yield open_
    for context in contexts:
        context.close()
    problems = [error for guard in guards for error in guard.unexpected()]
    assert not problems, "browser console errors:\n" + "\n".join(problems)


@pytest.fixture
def page(open_page):
    """A shopper's page, JavaScript on, desktop size."""
    return open_page()
