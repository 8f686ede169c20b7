"""A loopback stub of the Anthropic Messages API, for running the real `claude` CLI in tests.

`MessagesStub` is a real HTTP server (stdlib `ThreadingHTTPServer` in a thread) on 127.0.0.1
and a free port. Point the CLI at it with `ANTHROPIC_BASE_URL=stub.url`. It serves:

- `POST /v1/messages`: streamed (server-sent events in the API's shape: `message_start`,
  `content_block_start` / `_delta` / `_stop`, `message_delta`, `message_stop`) when the request
  says `"stream": true`, else one JSON message. What it answers comes from `responder`, a
  function of the request body returning a list of blocks (`Text`, `ToolUse`).
- `POST /v1/messages/count_tokens`: a token count.
- `GET /v1/models`: one model. Anything else gets the API's JSON 404 error, at once, so a
  start-up call the CLI makes never hangs.

Every request is recorded (`stub.requests`) with its method, path, headers and JSON body.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DELTA_CHARS = 16  # text is streamed in small pieces, as the real API does
MAX_DELTAS = 64  # a long block is cut in at most this many pieces (a 5 MB input stays fast)


@dataclass
class Text:
    """A text content block of a reply."""

    text: str


@dataclass
class ToolUse:
    """A tool_use content block of a reply: the model asks the CLI to run tool `name`."""

    name: str
    input: dict[str, Any]
    id: str = ""


Block = Text | ToolUse
Responder = Callable[[dict[str, Any]], list[Block]]


@dataclass
class RecordedRequest:
    """One request the stub answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or the raw text when it was not JSON

    @property
    def is_turn(self) -> bool:
        """Whether this is a conversation request (a Messages call with tools), not a side
        call such as a title or a token count."""
        return (
            self.method == "POST"
            and self.path.split("?")[0] == "/v1/messages"
            and isinstance(self.body, dict)
            and bool(self.body.get("tools"))
        )


def user_texts(request: dict[str, Any]) -> list[str]:
    """The text blocks of the request's last user message, without the CLI's system reminders."""
    for message in reversed(request.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        return [
            block["text"]
            for block in blocks
            if block.get("type") == "text" and not block["text"].startswith("<system-reminder>")
        ]
    return []


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool_result blocks of the request's last user message (empty when there are none)."""
    for message in reversed(request.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return [block for block in content if block.get("type") == "tool_result"]
            return []
    return []


def tool_result_text(result: dict[str, Any]) -> str:
    """The text of one tool_result block (its content is a string or a list of text blocks)."""
    content = result.get("content")
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content or [] if isinstance(block, dict))


def echo_responder(request: dict[str, Any]) -> list[Block]:
    """The default reply: `stub reply to: PROMPT`, or `stub saw N tool results` after tools.

    PROMPT is the last text block: the CLI sends context blocks before it (after `/clear`, the
    command's transcript)."""
    results = tool_results(request)
    if results:
        return [Text(f"stub saw {len(results)} tool results")]
    texts = user_texts(request)
    return [Text(f"stub reply to: {texts[-1].strip() if texts else ''}")]


def _pieces(text: str) -> list[str]:
    size = max(DELTA_CHARS, -(-len(text) // MAX_DELTAS))
    return [text[i : i + size] for i in range(0, len(text), size)]


def sse_events(blocks: list[Block], model: str, message_id: str) -> list[tuple[str, dict]]:
    """The server-sent events of one streamed reply, as (event name, data) pairs."""
    events: list[tuple[str, dict]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": 1},
                },
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(blocks):
        if isinstance(block, Text):
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(block.text)]
        else:
            start = {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": piece}
                for piece in _pieces(json.dumps(block.input))
            ]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        for delta in deltas:
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    stop = "tool_use" if any(isinstance(block, ToolUse) for block in blocks) else "end_turn"
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 8},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def whole_message(blocks: list[Block], model: str, message_id: str) -> dict[str, Any]:
    """The same reply as one JSON message (for a request without `"stream": true`)."""
    content = [
        {"type": "text", "text": block.text}
        if isinstance(block, Text)
        else {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
        for block in blocks
    ]
    stop = "tool_use" if any(isinstance(block, ToolUse) for block in blocks) else "end_turn"
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 8},
    }


class MessagesStub:
    """The Messages API on 127.0.0.1; use as a context manager, or `start()` and `close()`."""

    def __init__(self, responder: Responder = echo_responder) -> None:
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to give the CLI as `ANTHROPIC_BASE_URL`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MessagesStub:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> MessagesStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def turns(self) -> list[RecordedRequest]:
        """The conversation requests received so far (see `RecordedRequest.is_turn`)."""
        with self._lock:
            return [request for request in self.requests if request.is_turn]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def reply_blocks(self, body: dict[str, Any]) -> tuple[list[Block], str]:
        """What to answer `body` with, tool uses given fresh ids, and the message id."""
        number = next(self._ids)
        blocks = self.responder(body)
        for index, block in enumerate(blocks):
            if isinstance(block, ToolUse) and not block.id:
                block.id = f"toolu_stub{number:04d}{index:02d}"
        return blocks, f"msg_stub{number:06d}"


def _handler_for(stub: MessagesStub) -> type[BaseHTTPRequestHandler]:
    class Handler(_StubHandler):
        owner = stub

    return Handler


class _StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the CLI keeps connections alive
    owner: MessagesStub

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _record(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.owner.record(RecordedRequest(self.command, self.path, dict(self.headers), body))
        return body

    def _send_json(self, status: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _not_found(self) -> None:
        error = {"type": "not_found_error", "message": f"the stub has no {self.path}"}
        self._send_json(404, {"type": "error", "error": error})

    def do_GET(self) -> None:
        self._record()
        if self.path.split("?")[0] == "/v1/models":
            model = {"type": "model", "id": "claude-stub", "display_name": "Stub"}
            self._send_json(200, {"data": [model], "has_more": False})
        else:
            self._not_found()

    def do_HEAD(self) -> None:
        self._record()
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self._record()
        route = self.path.split("?")[0]
        if route == "/v1/messages/count_tokens":
            self._send_json(200, {"input_tokens": 12})
        elif route == "/v1/messages" and isinstance(body, dict):
            self._answer_messages(body)
        else:
            self._not_found()

    def _answer_messages(self, body: dict[str, Any]) -> None:
        blocks, message_id = self.owner.reply_blocks(body)
        model = str(body.get("model") or "claude-stub")
        if not body.get("stream"):
            self._send_json(200, whole_message(blocks, model, message_id))
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for name, data in sse_events(blocks, model, message_id):
            event = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
