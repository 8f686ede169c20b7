"""The refusal every layer may raise for a request it cannot meet, and the number check of refs.
Stdlib only: the CLI's fast paths import it (through task parsing) without loading aiohttp."""

from __future__ import annotations


class RequestError(Exception):
    """A request that cannot be met; `status` is the HTTP status to answer with (4xx: the
    client's mistake, 5xx: the core's)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def is_number(text: str) -> bool:
    """Whether `text` is a plain decimal number (ASCII digits: "²" and "٣" are not)."""
    return text.isascii() and text.isdigit()
