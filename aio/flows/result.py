"""A step's FLOW_RESULT: the last output line holding `FLOW_RESULT {json}`, as in the seed.

A step's output comes through its job's PTY, so lines end in `\\r\\n` and its stderr shares the
stream. Lines are split on any of `\\r\\n`, `\\n`, `\\r`; the marker may sit anywhere in a line
(after a colour code or a partial stderr line), and the JSON object is read from just after it:
text after the object's end (a colour reset, an interleaved write) is ignored. The errors keep
the seed's messages.
"""

from __future__ import annotations

import json
import re

from aio.flows.model import RESULT_STATUSES

MARKER = "FLOW_RESULT "
NOT_EMITTED = "Step did not emit FLOW_RESULT"
NOT_OBJECT = "FLOW_RESULT must be a JSON object"
BAD_STATUS = "FLOW_RESULT status is invalid"
_LINES = re.compile(r"\r\n|\n|\r")


class FlowResultError(ValueError):
    """The step's output holds no acceptable FLOW_RESULT; the message is the seed's."""


def parse_flow_result(output: str) -> dict:
    """The FLOW_RESULT object of the last line that holds one; FlowResultError if none."""
    for line in reversed(_LINES.split(output)):
        index = line.find(MARKER)
        if index == -1:
            continue
        text = line[index + len(MARKER) :].strip()
        try:
            parsed, _end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as exc:
            raise FlowResultError(f"FLOW_RESULT is not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise FlowResultError("FLOW_RESULT is not valid JSON: nested too deeply") from None
        if not isinstance(parsed, dict):
            raise FlowResultError(NOT_OBJECT)
        if parsed.get("status") not in RESULT_STATUSES:
            raise FlowResultError(BAD_STATUS)
        return parsed
    raise FlowResultError(NOT_EMITTED)
