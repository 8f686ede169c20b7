"""JSON by the interpreter's C accelerator (`_json`) alone, for the CLI's fast paths.

The `json` package imports `re` (for number and whitespace patterns its C scanner does not
need), which costs an `aio ls` or `aio t +...` about a third of a Python start. The C scanner
and encoder are the ones `json.loads` and `json.dumps` use, set up the same way (strict strings,
`ensure_ascii`, the default separators), so the results are the same. Where `_json` is missing
(another Python implementation) this falls back to `json`. Stdlib only.
"""

from __future__ import annotations

try:
    import _json
except ImportError:  # pragma: no cover - CPython always has it
    _json = None

_WHITESPACE = " \t\n\r"


class _Decoding:
    """The settings `_json.make_scanner` reads: those of `json.loads` with no hooks."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {
        "-Infinity": float("-inf"),
        "Infinity": float("inf"),
        "NaN": float("nan"),
    }.__getitem__


_scanner = _json.make_scanner(_Decoding()) if _json is not None else None


def _not_serializable(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def loads(text: str | bytes) -> object:
    """`json.loads(text)`; ValueError (a `json.JSONDecodeError`) for anything but one JSON value
    between optional whitespace."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    if _scanner is None:
        import json

        return json.loads(text)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = _scanner(text, start)
    except StopIteration as stop:
        raise _error("Expecting value", text, stop.value) from None
    rest = text[end:]
    if rest.strip(_WHITESPACE):
        raise _error("Extra data", text, end + len(rest) - len(rest.lstrip(_WHITESPACE)))
    return value


def _error(message: str, text: str, at: int) -> ValueError:
    from json import JSONDecodeError  # the error path may pay for `json`

    return JSONDecodeError(message, text, at)


# markers (circular references), default, string encoder, indent, separators, sort_keys,
# skipkeys, allow_nan: what json.dumps(value) gives its C encoder.
_encoder = (
    _json.make_encoder(
        {}, _not_serializable, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    if _json is not None
    else None
)


def dumps(value: object) -> str:
    """`json.dumps(value)`: one line, ASCII, `", "` and `": "` separators."""
    if _encoder is None:
        import json

        return json.dumps(value)
    return "".join(_encoder(value, 0))
