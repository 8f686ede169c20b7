"""Signed flow requests over HTTP: HMAC-SHA256, time-bounded, each signature good once.

A request carries `x-flow-timestamp: T` (seconds since the epoch, fractions allowed) and
`x-flow-signature-256: sha256=<hex HMAC-SHA256(secret, T + "." + body)>`, the body being its
exact bytes (empty for a GET). It is refused when T is more than WINDOW_SECONDS away from now,
and when its signature was already used (kept for the window, so a captured request cannot be
sent again). With `legacy` (config `flow_legacy_signatures`), a request without a timestamp may
carry the seed's signature over the body alone: untimed, but still good only once while
remembered. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import OrderedDict
from collections.abc import Callable

SIGNATURE_HEADER = "x-flow-signature-256"
TIMESTAMP_HEADER = "x-flow-timestamp"
WINDOW_SECONDS = 300.0
MAX_REMEMBERED = 200_000  # signatures kept against replays; past this the oldest are dropped


class SignatureRefused(Exception):
    """Why a request's signature is not accepted (answered 401)."""


def sign(secret: str, body: bytes, timestamp: str | None) -> str:
    """The header value for `body` (with `timestamp`, or the seed's body-only form)."""
    message = body if timestamp is None else timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class SignatureCheck:
    """Verifies requests and remembers the signatures it accepted."""

    def __init__(
        self, secret: str, legacy: bool = False, clock: Callable[[], float] = time.time
    ) -> None:
        self.secret = secret
        self.legacy = legacy
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature -> when it may go

    def verify(self, headers, body: bytes) -> None:
        """Accept the request's signature once, or raise SignatureRefused saying why."""
        signature = headers.get(SIGNATURE_HEADER)
        timestamp = headers.get(TIMESTAMP_HEADER)
        if signature is None:
            raise SignatureRefused(f"missing {SIGNATURE_HEADER} header (sha256=<hex HMAC>)")
        if not signature.startswith("sha256="):
            raise SignatureRefused(f"{SIGNATURE_HEADER}: expected sha256=<hex HMAC-SHA256>")
        now = self.clock()
        if timestamp is None:
            if not self.legacy:
                raise SignatureRefused(
                    f"missing {TIMESTAMP_HEADER} header (the signature covers timestamp.body)"
                )
        else:
            moment = _seconds(timestamp)
            if moment is None:
                raise SignatureRefused(f"{TIMESTAMP_HEADER}: expected seconds since the epoch")
            if abs(now - moment) > WINDOW_SECONDS:
                raise SignatureRefused(
                    f"{TIMESTAMP_HEADER} is outside the {WINDOW_SECONDS:.0f} s window "
                    "(stale, or the clocks disagree)"
                )
        expected = sign(self.secret, body, timestamp)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise SignatureRefused("invalid signature")
        self._forget_old(now)
        key = f"{timestamp}:{signature}"
        if key in self._seen:
            raise SignatureRefused("this signature was used already (a replayed request)")
        self._seen[key] = now + 2 * WINDOW_SECONDS
        while len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)

    def _forget_old(self, now: float) -> None:
        while self._seen:
            key, until = next(iter(self._seen.items()))
            if until > now:
                return
            del self._seen[key]


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
