"""Events in, steps out: checking an event's shape, and which steps of which flows it runs.

A step matches when its trigger's type equals the event's type exactly and the payload validates
against its schema (the full JSON Schema standard, through `jsonschema`). Refusals read like the
seed's (`$.name is required`, `$.kind must be one of demo`, `$ must be object`); the rules the
seed did not check are worded the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

from jsonschema.exceptions import ValidationError

from aio.flows.manifest import Flow, FlowStep
from aio.flows.model import FlowError, FlowEvent, iso_now

EVENT_FIELDS = ("id", "type", "source", "occurredAt", "receivedAt", "payload")
MAX_ID_CHARS = 500
MAX_ERRORS = 20  # refusals reported per step


def parse_event(data: object, clock=None) -> FlowEvent:
    """A FlowEvent from a dispatched JSON object; `receivedAt` is filled when absent. Bad input is
    a FlowError naming the field."""
    if not isinstance(data, dict):
        raise FlowError("event: expected a JSON object {id, type, payload, ...}")
    unknown = [k for k in data if k not in EVENT_FIELDS]
    if unknown:
        raise FlowError(
            f"event: unknown field '{unknown[0]}' (expected: {', '.join(EVENT_FIELDS)})"
        )
    event_id = _text(data, "id", required=True)
    kind = _text(data, "type", required=True)
    received = _text(data, "receivedAt") or (iso_now(clock) if clock else iso_now())
    payload = data.get("payload", {})
    _check_numbers(payload)
    return FlowEvent(
        id=event_id,
        type=kind,
        received_at=received,
        payload=payload,
        source=_text(data, "source"),
        occurred_at=_text(data, "occurredAt"),
    )


def _text(data: dict, key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise FlowError(f"event: missing field '{key}' (a non-empty string)")
        return None
    if not isinstance(value, str) or not value.strip():
        raise FlowError(f"event: field '{key}': expected a non-empty string")
    if len(value) > MAX_ID_CHARS or "\x00" in value:
        raise FlowError(f"event: field '{key}': at most {MAX_ID_CHARS} characters, no NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FlowError(f"event: field '{key}': not valid text (a lone surrogate)") from None
    return value


def _check_numbers(value: object) -> None:
    """NaN and infinities are not JSON: refuse them rather than store what no sender can read."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise FlowError("event: field 'payload': NaN and Infinity are not JSON numbers")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def matching_steps(flows: Iterable[Flow], event: FlowEvent) -> tuple[list, list[dict]]:
    """The (flow, step) pairs `event` runs, in discovery order, and the steps of its type whose
    schema refused the payload, as {flow, step, reason}."""
    matched: list[tuple[Flow, FlowStep]] = []
    refused: list[dict] = []
    for flow in flows:
        for step in flow.steps:
            if step.trigger is None or step.trigger.type != event.type:
                continue
            errors = payload_errors(step.trigger.validator, event.payload)
            if errors:
                refused.append({"flow": flow.name, "step": step.name, "reason": "; ".join(errors)})
            else:
                matched.append((flow, step))
    return matched, refused


def payload_errors(validator, payload: object) -> list[str]:
    """Why `payload` does not validate against a trigger's schema (its `validator`, None for
    none), one sentence per rule broken."""
    if validator is None:
        return []
    found: list[str] = []
    for error in sorted(validator.iter_errors(payload), key=_order):
        for message in describe(error):
            if message not in found:
                found.append(message)
        if len(found) >= MAX_ERRORS:
            break
    return found


def _order(error: ValidationError) -> tuple:
    return (len(error.absolute_path), [str(p) for p in error.absolute_path])


def json_path(parts: Iterable) -> str:
    """`$`, then `.key` for an object member and `[i]` for an array item (the seed's paths)."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def js_text(value: object) -> str:
    """A value as the seed's `String(value)` shows it: strings bare, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def describe(error: ValidationError) -> list[str]:
    """Sentences for one jsonschema error, in the seed's wording where the seed had the rule."""
    path = json_path(error.absolute_path)
    rule, expected, instance = error.validator, error.validator_value, error.instance
    if rule == "required" and isinstance(instance, dict):
        return [
            f"{json_path([*error.absolute_path, k])} is required"
            for k in expected
            if k not in instance
        ]
    if rule == "enum":
        return [f"{path} must be one of {', '.join(js_text(v) for v in expected)}"]
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return [f"{path} must be {' or '.join(kinds)}"]
    if rule == "additionalProperties" and isinstance(instance, dict) and expected is False:
        allowed = error.schema.get("properties", {})
        if not error.schema.get("patternProperties"):
            extra = [k for k in instance if k not in allowed]
            return [f"{json_path([*error.absolute_path, k])} is not allowed" for k in extra]
    sentence = _SENTENCES.get(rule)
    if sentence is not None:
        return [f"{path} {sentence(expected)}"]
    return [f"{path}: {error.message}"]


_SENTENCES = {
    "const": lambda v: f"must be {js_text(v)}",
    "minLength": lambda v: f"must be at least {v} characters long",
    "maxLength": lambda v: f"must be at most {v} characters long",
    "pattern": lambda v: f"must match the pattern {v}",
    "format": lambda v: f"must be a valid {v}",
    "minimum": lambda v: f"must be >= {v}",
    "maximum": lambda v: f"must be <= {v}",
    "exclusiveMinimum": lambda v: f"must be > {v}",
    "exclusiveMaximum": lambda v: f"must be < {v}",
    "multipleOf": lambda v: f"must be a multiple of {v}",
    "minItems": lambda v: f"must have at least {v} items",
    "maxItems": lambda v: f"must have at most {v} items",
    "uniqueItems": lambda v: "must have unique items",
    "minProperties": lambda v: f"must have at least {v} properties",
    "maxProperties": lambda v: f"must have at most {v} properties",
    "anyOf": lambda v: "must match at least one of the schemas in anyOf",
    "oneOf": lambda v: "must match exactly one of the schemas in oneOf",
    "not": lambda v: "must not match the schema in not",
}
