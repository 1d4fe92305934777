"""Pilot helpers: wait for the scripted session to reach the screen, and read widgets as text."""

from __future__ import annotations

import asyncio
import functools
import io
import time
from collections.abc import Callable, Coroutine
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget

from tests.tui.scripted_session import ScriptedSession


def async_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh asyncio loop (no async pytest plugin is a dependency)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def until(pilot: Pilot[object], condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition`` holds (polling, since events come from another thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for the UI")
        await asyncio.sleep(0.005)
    await pilot.pause()


async def settle(pilot: Pilot[object], session: ScriptedSession, timeout: float = 5.0) -> None:
    """Wait until the session has sent everything so far and every widget has handled it."""
    await until(pilot, lambda: session.drained, timeout)
    # The last posts may still be in flight through call_soon_threadsafe: give them a turn.
    await asyncio.sleep(0.01)
    await pilot.pause()
    await pilot.pause()


def text_of(widget: Widget) -> str:
    """What a widget draws, as plain text at its current width (without its border)."""
    console = Console(width=max(1, widget.content_region.width), file=io.StringIO(), record=True)
    console.print(widget.render())
    return console.export_text()


def visible_rows(widget: Widget) -> list[str]:
    """The rows a Line API widget shows right now, right-stripped, trailing blank rows dropped."""
    rows = [widget.render_line(y).text.rstrip() for y in range(widget.scrollable_content_region.height)]
    while rows and not rows[-1]:
        rows.pop()
    return rows
