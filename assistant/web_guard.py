"""Abuse limits of the web UI: per-client rate limits, staff-only uploads, and the answers feedback may name.

Client addresses are the TCP peer's: behind a reverse proxy every visitor shares the proxy's address, so
limit there (or raise the limits) rather than trusting a forwarded header anyone can set.
"""
from __future__ import annotations

import hmac
import math
import threading
import time
import uuid
from collections import OrderedDict
from http.cookies import CookieError, SimpleCookie
from urllib.parse import unquote

# The browser sends the admin token with uploads as this cookie (set by the Documents tab); API clients as the header.
TOKEN_COOKIE = "assistant_admin_token"
TOKEN_HEADER = b"x-admin-token"
UPLOAD_PATH = "/gradio_api/upload"
FORGET_AFTER_CLIENTS = 10_000


class RateLimiter:
    """A token bucket per client address: `per_minute` calls at once, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: int, what: str):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60
        self.what = what
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def refusal(self, client: str) -> str | None:
        """None when the call may go ahead (it is counted), else the message saying when to try again."""
        return self._take(client, count=True)

    def spent(self, client: str) -> str | None:
        """Like `refusal`, but counts nothing: for limits on failures, counted only once they happen."""
        return self._take(client, count=False)

    def _take(self, client: str, count: bool) -> str | None:
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > FORGET_AFTER_CLIENTS:
                self._forget_full(now)
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed and count else tokens, now)
        if allowed:
            return None
        wait = math.ceil((1 - tokens) / self.rate)
        return (f"Too many {self.what} from your address: at most {self.capacity:g} a minute. "
                f"Try again in {wait} s.")

    def _forget_full(self, now: float) -> None:
        """Drop clients whose bucket has refilled: they are back to where a new client starts."""
        full = [c for c, (tokens, last) in self._buckets.items() if tokens + (now - last) * self.rate >= self.capacity]
        for client in full:
            del self._buckets[client]


class IssuedAnswers:
    """The answers this server gave, by id, most recent `keep`: feedback names an id, never sends text."""

    def __init__(self, keep: int = 10_000):
        self.keep = keep
        self._answers: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, question: str, answer: dict) -> str:
        answer_id = uuid.uuid4().hex
        with self._lock:
            self._answers[answer_id] = {**answer, "question": question}  # the question this server was asked
            while len(self._answers) > self.keep:
                self._answers.popitem(last=False)
        return answer_id

    def get(self, answer_id: object) -> dict | None:
        with self._lock:
            return self._answers.get(answer_id) if isinstance(answer_id, str) else None


class UploadGuard:
    """ASGI middleware on Gradio's upload route: refuse, before reading the body, an upload without the admin
    token (every upload when no token is configured) or over the client's upload rate."""

    def __init__(self, app, secret: str | None, limiter: RateLimiter):
        self.app = app
        self.secret = secret.encode() if secret else None
        self.limiter = limiter

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        if not self._staff(scope):
            return await _plain(send, 403, "Uploads are for staff: send the admin token (the Documents tab does).")
        refusal = self.limiter.refusal((scope.get("client") or ("?",))[0])
        if refusal:
            return await _plain(send, 429, refusal)
        return await self.app(scope, receive, send)

    def _staff(self, scope) -> bool:
        if self.secret is None:
            return False
        headers = dict(scope.get("headers") or [])
        sent = headers.get(TOKEN_HEADER)
        if sent is None:
            sent = _cookie(headers.get(b"cookie", b"").decode("latin-1"), TOKEN_COOKIE).encode()
        return hmac.compare_digest(sent, self.secret)


def _cookie(header: str, name: str) -> str:
    """One cookie's (URL-decoded) value, or "" when it is absent or the header cannot be parsed."""
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return ""
    return unquote(cookies[name].value) if name in cookies else ""


async def _plain(send, status: int, message: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": message.encode()})


def client_of(request) -> str:
    """The client address of a Gradio request ('?' when Gradio has none, e.g. a direct call)."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "?"
