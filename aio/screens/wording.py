"""The core's messages in the dashboard's words: the core (and so the CLI) names `aio` commands
("kill it first (aio kill 8)"); the dashboard names its keys instead ("kill it first (K)").
Known phrasings are rewritten here, so the core's own texts, which the CLI prints, stay."""

from __future__ import annotations

import re

# (pattern, replacement): the replacement may name {kill} and {log}, the dashboard's keys.
REWRITES = (
    (re.compile(r"; kill it first \(aio kill \d+\)"), ": kill it first ({kill})"),
    (re.compile(r"; see aio wl logs \d+ --build"), "; {log} shows the build's log"),
)


def dashboard_wording(text: str, kill: str = "K", log: str = "l") -> str:
    """`text` with the CLI commands it names replaced by the dashboard's keys."""
    for pattern, replacement in REWRITES:
        text = pattern.sub(replacement.format(kill=kill, log=log), text)
    return text
