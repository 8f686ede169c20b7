"""WorkletTable: worklets (number, name, status, URL, branch, repo, last error), kept by key."""

from __future__ import annotations

from rich.text import Text

from aio.text.printable import printable
from aio.widgets.claude_table import short_path
from aio.widgets.keyed_table import KeyedTable

STATUS_STYLES = {
    "creating": "yellow",
    "building": "yellow",
    "starting": "cyan",
    "running": "bold green",
    "stopped": "dim",
    "error": "bold red",
}


class WorkletTable(KeyedTable):
    """Worklets keyed by number; a row's error is its last one, kept until the next start."""

    COLUMNS = (
        ("#", "id"),
        ("Name", "name"),
        ("Status", "status"),
        ("URL", "url"),
        ("Branch", "branch"),
        ("Repo", "repo"),
        ("Error", "error"),
    )

    def cells(self, worklet: dict) -> list:
        status = worklet["status"]
        repo = worklet.get("repo") or ""
        return [
            Text(str(worklet["id"]), justify="right"),
            printable(worklet.get("name") or "", 40),
            Text(status, style=STATUS_STYLES.get(status, "")),
            worklet.get("url") or "-",
            printable(worklet.get("branch") or "-", 30),
            printable(short_path(repo) if repo.startswith("/") else repo, 50),
            Text(printable(worklet.get("error") or "", 60), style="red"),
        ]
