"""The KV store's errors, shared by the server and both clients: one class per kind.

Every error has a `code` (the seed's codes: `VALIDATION_ERROR`, `CONNECTION_ERROR`, and one
`<METHOD>_ERROR` per method for a failure of the store itself) and a `kind`: `validation` (the
caller's mistake: HTTP 400), `connection` (the store or the server cannot be reached: 503 from
the server, or raised by a client that cannot reach it), `auth` (no or a wrong token: 401) or
`other`. Over HTTP an error is `{"error": message, "code": code, "kind": kind}`.
Standard library only: `aio.kv`, the worklets' client, imports it.
"""

from __future__ import annotations

KINDS = ("validation", "connection", "auth", "other")
STATUS_OF_KIND = {"validation": 400, "connection": 503, "auth": 401, "other": 500}


class KVError(Exception):
    """A KV operation that failed; `code` says which way, `kind` what sort of failure."""

    kind = "other"

    def __init__(self, message: str, code: str = "KV_ERROR", kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        if kind is not None:
            self.kind = kind

    @property
    def status(self) -> int:
        """The HTTP status the server answers this error with."""
        return STATUS_OF_KIND.get(self.kind, 500)

    def to_dict(self) -> dict:
        """The JSON body of this error over HTTP."""
        return {"error": self.message, "code": self.code, "kind": self.kind}


class KVConnectionError(KVError):
    """The store (or, from a client, the server) could not be reached."""

    kind = "connection"

    def __init__(self, message: str, code: str = "CONNECTION_ERROR") -> None:
        super().__init__(message, code)


class KVValidationError(KVError):
    """A request that breaks a rule: a bad key, namespace, value, parameter or type."""

    kind = "validation"

    def __init__(self, message: str, code: str = "VALIDATION_ERROR") -> None:
        super().__init__(message, code)


class KVAuthError(KVError):
    """No token, or a token that names no worklet (HTTP 401)."""

    kind = "auth"

    def __init__(self, message: str, code: str = "AUTH_ERROR") -> None:
        super().__init__(message, code)


def error_from_answer(body: object, status: int) -> KVError:
    """The error a client raises for the server's error answer `body` (HTTP `status`)."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return KVError(f"the KV server answered HTTP {status}", f"HTTP_{status}")
    message, code, kind = body["error"], str(body.get("code") or "KV_ERROR"), body.get("kind")
    if kind == "validation":
        return KVValidationError(message, code)
    if kind == "connection":
        return KVConnectionError(message, code)
    if kind == "auth" or status == 401:
        return KVAuthError(message, code)
    return KVError(message, code)
