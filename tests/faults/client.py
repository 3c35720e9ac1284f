"""An HTTP client that behaves like a real one, and the record of every request it made.

Each operation is one logical request: on a network error or a 5xx it is sent again (the
same body and `Idempotency-Key`) up to MAX_ATTEMPTS times, waiting as `Retry-After` says
(at most MAX_WAIT) or with an exponential backoff. The load balancer's choice of server is
made per attempt, so a retry may land on the other server, as behind a real one.
"""

import random
import threading
import time
from dataclasses import dataclass, field

import requests

TIMEOUT = 20  # seconds a client waits for an answer; longer is a hang
MAX_ATTEMPTS = 5
MAX_WAIT = 8.0
# Answers of the gateway (a card's processing error, a lost reply): retried once, like a
# client following docs/API.md; the answer is the payment's outcome, not the server's.
GATEWAY_CODES = {"gateway_error", "gateway_timeout"}


@dataclass
class Attempt:
    started: float  # seconds since the run's start
    ended: float
    server: int
    request_id: str
    status: int | None = None  # None: no answer
    error: str = ""  # "network" or "hang" when there was no answer
    retry_after: str | None = None
    code: str = ""  # the error envelope's code
    problem: str = ""  # what was wrong with a 5xx answer (not clean), or a traceback page

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class Operation:
    kind: str
    method: str
    path: str
    shopper: str
    attempts: list[Attempt] = field(default_factory=list)
    body: dict | list | None = None

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]

    @property
    def status(self) -> int | None:
        return self.final.status

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def code(self) -> str:
        return self.final.code

    @property
    def outcome(self) -> str:
        """ "2xx", "4xx <code>", or what the last attempt got when the client gave up."""
        if self.status is None:
            return f"gave up ({self.final.error})"
        if self.status >= 500:
            return f"gave up ({self.status})"
        if self.status >= 400:
            return f"{self.status} {self.code}".strip()
        return f"{self.status}"


class Journal:
    """Every operation of the run, in the order they ended (thread-safe)."""

    def __init__(self, started: float):
        self.started = started
        self.wall_started = time.time() - (time.monotonic() - started)
        self.operations: list[Operation] = []
        self._lock = threading.Lock()
        self.in_flight: dict[tuple[int, str], int] = {}  # (server, kind) → requests

    def now(self) -> float:
        return time.monotonic() - self.started

    def add(self, operation: Operation) -> None:
        with self._lock:
            self.operations.append(operation)

    def flight(self, server: int, kind: str, delta: int) -> None:
        with self._lock:
            key = (server, kind)
            self.in_flight[key] = self.in_flight.get(key, 0) + delta

    def flying(self, server: int, kinds: set[str]) -> int:
        with self._lock:
            return sum(self.in_flight.get((server, kind), 0) for kind in kinds)


class Client:
    """One shopper's (or the staff member's) HTTP client: cookies, an address, retries."""

    def __init__(self, name: str, address: str, bases: list[str], journal: Journal, seed: int):
        self.name, self.address, self.bases, self.journal = name, address, bases, journal
        self.http = requests.Session()
        self.headers: dict[str, str] = {}
        self.balancer = random.Random(seed)
        self.count = 0

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        json=None,
        key: str | None = None,
        retry: bool = True,
        api: bool = True,
    ) -> tuple[Operation, requests.Response | None]:
        """Send one operation (retried as a real client would); returns it and the last answer."""
        operation = Operation(kind, method, path, self.name)
        response = None
        for number in range(MAX_ATTEMPTS if retry else 1):
            attempt, response = self._attempt(kind, method, path, json, key, api)
            operation.attempts.append(attempt)
            if not attempt.failed:
                break
            if attempt.code in GATEWAY_CODES and number >= 1:
                break
            if number + 1 < (MAX_ATTEMPTS if retry else 1):
                time.sleep(self.wait(number, attempt.retry_after))
        if response is not None and response.status_code == 201 and kind == "checkout":
            operation.body = _json(response)
        self.journal.add(operation)
        return operation, response

    def _attempt(self, kind, method, path, json, key, api):
        self.count += 1
        server = self.balancer.randrange(len(self.bases))
        request_id = f"{self.name}.{self.count}"
        headers = {**self.headers, "X-Forwarded-For": self.address, "X-Request-ID": request_id}
        if key:
            headers["Idempotency-Key"] = key
        url = self.bases[server] + (f"/api{path}" if api else path)
        attempt = Attempt(self.journal.now(), 0.0, server, request_id)
        self.journal.flight(server, kind, +1)
        response = None
        try:
            response = self.http.request(method, url, json=json, headers=headers, timeout=TIMEOUT)
        except requests.Timeout:
            attempt.error = "hang"
        except requests.RequestException:
            attempt.error = "network"
        finally:
            self.journal.flight(server, kind, -1)
            attempt.ended = self.journal.now()
        if response is not None:
            attempt.status = response.status_code
            attempt.retry_after = response.headers.get("Retry-After")
            attempt.code = _code(response)
            attempt.problem = _problem(response, api)
        elif attempt.ended - attempt.started >= TIMEOUT:
            attempt.error = "hang"
        return attempt, response

    def wait(self, number: int, retry_after: str | None) -> float:
        """Seconds before the next attempt: as `Retry-After` says, or an exponential backoff."""
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), MAX_WAIT)
        return min(0.5 * 2**number, MAX_WAIT) * (0.75 + self.balancer.random() / 2)


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _code(response: requests.Response) -> str:
    if response.status_code < 400 or "json" not in response.headers.get("Content-Type", ""):
        return ""
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


def _problem(response: requests.Response, api: bool) -> str:
    """What makes an answer unclean: a traceback page, a 500, a 5xx without its envelope."""
    text = response.text[:20000]
    if "Traceback" in text or "Exception Value" in text:
        return "traceback page"
    status = response.status_code
    if api and 400 <= status < 500 and not _code(response):
        return f"{status} without the JSON error envelope"
    if status < 500:
        return ""
    if status == 500:
        return "500"
    content_type = response.headers.get("Content-Type", "")
    if api and not _code(response):
        return f"{status} without the JSON error envelope ({content_type or 'no type'})"
    if not api and "html" not in content_type:
        return f"{status} page that is not HTML ({content_type or 'no type'})"
    if status == 503 and not response.headers.get("Retry-After"):
        return "503 without Retry-After"
    return ""
