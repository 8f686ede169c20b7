"""The live preview of one job: an attach stream (the core replays the tail first) feeding a
TerminalView, shared by the Jobs and Claude screens."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from aio.client.core_client import CoreError, CoreUnavailable
from aio.widgets.terminal import TerminalView


class JobPreview:
    """Feeds a screen's TerminalView from one job at a time; typed keys and resizes go back."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.stream = None

    async def follow(self, view: TerminalView, job_id: int) -> None:
        """Show job `job_id` in `view` until its stream ends (run it in an exclusive worker,
        so following another job cancels this one)."""
        view.reset()
        if self.stream is not None:
            await self.stream.close()
        try:
            stream = await self.screen.app.core.open_attach(job_id, mode="tail")
        except (CoreError, CoreUnavailable) as exc:
            view.border_title = f"#{job_id}: {exc}"
            return
        self.stream = stream
        try:
            async for item in stream.messages():
                if isinstance(item, bytes):
                    view.feed(item)
                elif item.get("type") == "hello":
                    # A running job has a PTY size; show a finished one at the view's size.
                    size = view.content_size
                    view.reset(item.get("cols") or size.width, item.get("rows") or size.height)
                elif item.get("type") == "size":
                    view.resize_screen(item["cols"], item["rows"])
                elif item.get("type") == "notice":
                    if "output skipped" in item["text"]:
                        view.note_skipped()  # the view's border says so; no toast storm
                    else:
                        self.screen.notify(item["text"], title=f"job {job_id}")
        finally:
            await stream.close()
            if self.stream is stream:
                self.stream = None

    async def stop(self) -> None:
        """Close the stream, if one is open."""
        if self.stream is not None:
            await self.stream.close()
            self.stream = None

    async def send_input(self, data: bytes) -> None:
        if self.stream is not None:
            await self.stream.send_input(data)

    async def resize(self, cols: int, rows: int) -> None:
        if self.stream is not None:
            await self.stream.resize(cols, rows)


class PreviewScreen(Screen):
    """A screen with a table and a job preview (`table`, `preview`): keys typed into the
    preview and its resizes go to the job; releasing it gives focus back to the table."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._feed = JobPreview(self)

    @on(TerminalView.Input)
    async def _typed(self, event: TerminalView.Input) -> None:
        await self._feed.send_input(event.data)

    @on(TerminalView.Resized)
    async def _preview_resized(self, event: TerminalView.Resized) -> None:
        await self._feed.resize(event.cols, event.rows)

    @on(TerminalView.Released)
    def _released(self) -> None:
        self.table.focus()
