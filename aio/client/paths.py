"""One path segment (or a query) of a request to the core, percent-encoded (a job name, a
session id, a worklet name: whatever the user typed). Stdlib only and cheap: `urllib.parse`
alone costs a CLI call about 10 ms of imports."""

from __future__ import annotations

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def segment(text: str) -> str:
    """`text` as one URL path segment: every byte of its UTF-8 but the unreserved ones as
    `%XX` (so `/`, `?`, `#` and `%` stay inside the segment), like `quote(text, safe="")`."""
    data = text.encode("utf-8", errors="surrogatepass")
    if all(byte in _UNRESERVED for byte in data):
        return text
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in data)


def query(params: dict[str, str]) -> str:
    """`params` as a URL query string (`a=1&b=x%20y`), each name and value encoded as
    `segment` does."""
    return "&".join(f"{segment(name)}={segment(value)}" for name, value in params.items())
