"""TerminalView (aio/widgets/terminal.py) fed recorded byte streams inside a tiny app.

What is checked is what the widget renders: the segments of `render_line(y)` (their text and
Rich styles, cell by cell), not only pyte's buffer behind them.
"""

from __future__ import annotations

import asyncio

from pilot_harness import cells, key_latency, row_text, wait_until
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from aio.widgets.terminal import FEED_BUDGET, SKIP_THRESHOLD, TerminalView

COLS, ROWS = 40, 10


class TerminalApp(App):
    """One TerminalView exactly the size of its screen; records what the view sends as input."""

    CSS = f"TerminalView {{ width: {COLS + 2}; height: {ROWS + 2}; }}"
    AUTO_FOCUS = None  # the cursor is drawn only when focused: tests focus when they mean to

    def __init__(self) -> None:
        super().__init__()
        self.typed: list[bytes] = []

    def compose(self) -> ComposeResult:
        yield TerminalView(COLS, ROWS, id="term")

    @property
    def view(self) -> TerminalView:
        return self.query_one(TerminalView)

    def on_terminal_view_input(self, event: TerminalView.Input) -> None:
        self.typed.append(event.data)


async def show(pilot: Pilot, data: bytes) -> TerminalView:
    """Feed bytes, parse them now, and let the app repaint."""
    view = pilot.app.view
    view.feed(data)
    view.flush_now()
    await pilot.pause()
    return view


async def test_sgr_colours_and_attributes_become_cell_styles() -> None:
    async with TerminalApp().run_test() as pilot:
        view = await show(
            pilot,
            b"\x1b[31mRED\x1b[0m \x1b[1mBOLD\x1b[0m \x1b[4mUNDER\x1b[0m \x1b[7mREV\x1b[0m plain\r\n"
            b"\x1b[1;4;32mALL\x1b[0m \x1b[42mBG\x1b[0m \x1b[38;5;196mX256\x1b[0m "
            b"\x1b[38;2;1;2;3mRGB\x1b[0m",
        )
        assert row_text(view, 0) == "RED BOLD UNDER REV plain"
        row = cells(view, 0)
        assert row[0][1].color.name == "red" and not row[0][1].bold
        assert row[4][1].bold and row[4][1].color != row[0][1].color
        assert row[9][1].underline and not row[9][1].bold
        assert row[15][1].reverse
        plain = row[19][1]
        assert not (plain.bold or plain.underline or plain.reverse)
        assert plain.color == view.rich_style.color

        assert row_text(view, 1) == "ALL BG X256 RGB"
        row = cells(view, 1)
        assert row[0][1].bold and row[0][1].underline and row[0][1].color.name == "green"
        assert row[4][1].bgcolor.name == "green"
        assert row[7][1].color.triplet.hex == "#ff0000"
        assert row[12][1].color.triplet.hex == "#010203"


async def test_cursor_moves_and_clear_screen_write_at_the_right_place() -> None:
    async with TerminalApp().run_test() as pilot:
        view = await show(pilot, b"junk on the first line\r\nmore junk\r\n")
        assert row_text(view, 0) == "junk on the first line"

        view = await show(
            pilot, b"\x1b[2J\x1b[Hfirst\x1b[5;10Hmark\x1b[1;20Hend\x1b[3;1Habc\x1b[2Dx"
        )
        assert row_text(view, 0) == "first" + " " * 14 + "end"
        assert row_text(view, 1) == ""  # the junk is gone
        assert row_text(view, 2) == "axc"
        assert row_text(view, 4) == " " * 9 + "mark"
        assert [char for char, _ in cells(view, 4)[9:13]] == list("mark")
        assert view.screen_text()[4] == " " * 9 + "mark"


async def test_a_utf8_character_split_across_reads_stays_intact() -> None:
    text = "héllo 界 wörld ✓"
    data = text.encode()
    cuts = [2, data.index("界".encode()) + 1, data.index("✓".encode()) + 2]
    async with TerminalApp().run_test() as pilot:
        view = pilot.app.view
        start = 0
        for cut in [*cuts, len(data)]:
            view.feed(data[start:cut])
            view.flush_now()  # each part parsed on its own, as if from separate PTY reads
            start = cut
        await pilot.pause()
        assert row_text(view, 0) == text
        assert "\ufffd" not in "\n".join(view.screen_text())


async def test_wide_characters_take_two_cells_and_do_not_shift_the_line() -> None:
    async with TerminalApp().run_test() as pilot:
        view = await show(pilot, b"a\xe7\x95\x8cb\r\n01234\r\n\xe7\x95\x8c\xe7\x95\x8cx\r\nabcde")
        first = cells(view, 0)
        assert [char for char, _ in first[:4]] == ["a", "界", "", "b"]
        third, fourth = cells(view, 2), cells(view, 3)
        assert third[4][0] == "x" and fourth[4][0] == "e"  # still in the same column
        for y in range(ROWS):
            assert view.render_line(y).cell_length == COLS, f"row {y} is not {COLS} cells wide"

        view = await show(pilot, b"\x1b[2J\x1b[H\x1b[31m\xe7\x95\x8c\x1b[0mz|")
        row = cells(view, 0)
        assert row[0][0] == "界" and row[0][1].color.name == "red"
        assert row[2][0] == "z" and row[2][1].color != row[0][1].color
        assert row_text(view, 0) == "界z|"


async def test_a_flood_skips_to_the_tail_and_the_app_stays_responsive() -> None:
    chunk_lines = 1024  # lines of 64 bytes: 64 KB a chunk
    chunks = [
        b"".join(
            b"flood %08d %s\r\n" % (i * chunk_lines + n, b"." * 47) for n in range(chunk_lines)
        )
        for i in range(128)
    ]
    chunks.append(b"the last line: END-OF-FLOOD\r\n")
    total = sum(len(c) for c in chunks)  # 8 MB: about eight seconds of pyte
    async with TerminalApp().run_test() as pilot:
        app = pilot.app
        view = app.view
        view.focus()
        await pilot.pause()

        async def produce() -> None:
            for chunk in chunks:
                view.feed(chunk)
                await asyncio.sleep(0.004)  # about 16 MB/s, as fast as a busy PTY

        producer = asyncio.create_task(produce())
        latencies = []
        while not producer.done():
            pressed = len(app.typed)
            latency = await key_latency(
                pilot, "p", "p", lambda n=pressed: len(app.typed) > n, "the key to reach the view"
            )
            latencies.append(latency)
        await producer

        await wait_until(
            pilot, lambda: "END-OF-FLOOD" in "\n".join(view.screen_text()), "the last line", 10.0
        )
        await pilot.pause()
        print(f"{len(latencies)} presses, max {max(latencies):.3f}s, {view.frames} frames")
        assert latencies, "the flood ended before a key could be pressed"
        assert max(latencies) < 1.0, f"key presses took {latencies}"
        assert set(app.typed) == {b"p"}
        assert view.skipped_bytes > 0
        assert view.fed_bytes + view.skipped_bytes == total
        assert view.fed_bytes <= view.frames * FEED_BUDGET  # never more than a frame's budget
        assert view.fed_bytes < total // 4, "most of the flood should have been skipped"
        assert view.has_class("-skipped")
        assert view.border_subtitle.startswith("output skipped: ")
        assert "MB (complete in the log)" in view.border_subtitle
        rendered = [row_text(view, y) for y in range(ROWS)]
        assert "the last line: END-OF-FLOOD" in rendered
        # What is shown is the tail of the stream, in order, with no gap.
        numbered = [int(line.split()[1]) for line in rendered if line.startswith("flood ")]
        assert numbered == list(range(numbered[0], numbered[0] + len(numbered)))
        assert numbered[-1] == 128 * chunk_lines - 1


async def test_reset_clears_the_skip_notice() -> None:
    async with TerminalApp().run_test() as pilot:
        view = pilot.app.view
        view.feed(b"x" * (SKIP_THRESHOLD * 4) + b"\r\ntail\r\n")
        await wait_until(pilot, lambda: view.skipped_bytes > 0, "the view to skip")
        await wait_until(pilot, lambda: "tail" in view.screen_text(), "the tail to show")
        view.reset()
        await pilot.pause()
        assert view.skipped_bytes == 0
        assert view.border_subtitle == ""
        assert not view.has_class("-skipped")
        assert all(row_text(view, y) == "" for y in range(ROWS))


async def test_a_smaller_size_drops_rows_below_the_cursor_first() -> None:
    async with TerminalApp().run_test() as pilot:
        view = pilot.app.view
        view.reset(COLS, 24)  # a job's PTY, taller than the view
        view = await show(pilot, b"\x1b[H\x1b[2Jtop-line\r\nname? ")  # a clear, a prompt
        view.resize_screen(COLS, ROWS)
        view = await show(pilot, b"bob")
        assert [row_text(view, y) for y in range(2)] == ["top-line", "name? bob"]

        view.reset(COLS, 24)
        lines = b"\r\n".join(b"line %d" % n for n in range(21))  # the cursor on row 20
        view = await show(pilot, lines)
        view.resize_screen(COLS, ROWS)
        view = await show(pilot, b" <")
        # Rows at the top go only as far as needed to keep the cursor's row on screen.
        assert [row_text(view, y) for y in range(ROWS)] == [
            *(f"line {n}" for n in range(11, 20)),
            "line 20 <",
        ]
