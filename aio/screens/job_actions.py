"""What the dashboard does to jobs, shared by keys, the command bar and the command palette."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from aio.screens.dashboard import Dashboard


class JobActions:
    """Job operations against the core; failures become notifications, never crashes."""

    def __init__(self, app: Dashboard) -> None:
        self.app = app

    def _job_ref(self, ref: str) -> str:
        return quote(ref.strip().removeprefix("#"), safe="")

    async def find(self, ref: str) -> dict | None:
        answer = await self.app.ask_core("GET", f"/jobs/{self._job_ref(ref)}")
        return answer["job"] if answer else None

    async def kill(self, ref: str) -> None:
        answer = await self.app.ask_core("POST", f"/jobs/{self._job_ref(ref)}/kill")
        if answer:
            self.app.notify(f"job {answer['job']['id']} killed", title="aio")

    async def remove(self, ref: str) -> None:
        answer = await self.app.ask_core("DELETE", f"/jobs/{self._job_ref(ref)}")
        if answer:
            self.app.notify(f"job {answer['removed']} removed", title="aio")

    async def run_path(self, path: str, variables: dict[str, str] | None = None) -> dict | None:
        body = {"path": path, "vars": variables or {}, "cwd": os.getcwd()}
        answer = await self.app.ask_core("POST", "/jobs", body)
        if answer:
            job = answer["job"]
            self.app.notify(f"job {job['id']} {job['name']} queued", title="aio")
            return job
        return None

    def find_task(self, name: str) -> dict | str | None:
        """A menu task by name or file name, or an existing file path (str)."""
        for task in self.app.tasks:
            stem = Path(task["path"]).stem
            if name in (task["name"], stem, Path(task["path"]).name):
                return task
        candidate = Path(name).expanduser()
        if candidate.is_file():
            return str(candidate.absolute())
        return None

    async def open_web(self, ref: str) -> None:
        """Open the job in a browser through a one-time link, and show the link for copying."""
        from aio.web.verbs import can_open_browser, open_browser

        job = await self.find(ref)
        if job is None:
            return
        answer = await self.app.ask_core("POST", "/web/links", {"job": job["id"]})
        if answer is None:
            return
        url = answer["url"]
        opened = can_open_browser() and open_browser(url)
        from aio.screens.link import LinkScreen

        self.app.push_screen(LinkScreen(url, opened))

    async def attach(self, ref: str) -> None:
        """Suspend the dashboard and attach this terminal to the job, exactly like `aio a`, on a
        cleared screen. When the attach ends otherwise than by detaching (the job ended, or an
        error), its last screen and closing line stay until a key is pressed."""
        from aio.client.raw_attach import clear_terminal, wait_for_key

        job = await self.find(ref)
        if job is None:
            return
        env = {**os.environ, "AIO_HOME": str(self.app.home)}
        try:
            with self.app.suspend():
                clear_terminal()
                code = subprocess.call([sys.executable, "-m", "aio", "a", str(job["id"])], env=env)
                if code != 0 or not self._is_live(job["id"]):
                    wait_for_key("[aio] press any key to return to the dashboard")
        except Exception as exc:  # SuspendNotSupported in headless runs
            self.app.notify(f"cannot attach here: {exc}", severity="error", title="aio")

    def _is_live(self, job_id: int) -> bool:
        """Whether the job is still queued or running (asked while the dashboard is suspended,
        so a blocking request is fine)."""
        from aio.client.core_client import CoreClient, CoreError, CoreUnavailable

        try:
            job = CoreClient(self.app.home).request("GET", f"/jobs/{job_id}")["job"]
        except (CoreError, CoreUnavailable):
            return False
        return job["status"] in ("queued", "running")
