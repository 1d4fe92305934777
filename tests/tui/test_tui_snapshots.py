"""How the coaching UI looks after a scripted call (SVG snapshots; update with --snapshot-update).

Everything on screen comes from the scripted events (call time included), so
the snapshots hold no wall-clock text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from core.events import EndReason, SessionEnded
from tests.tui.helpers import settle
from tests.tui.scripted_session import JOURNAL, ScriptedSession, Step, scripted_call
from tui.live.app import CoachApp, UiConfig

SnapCompare = Callable[..., bool]


def after(session: ScriptedSession, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the whole script to be on screen, then press ``keys``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, session)
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

    return run_before


def app_for(script: list[Step], rep_only: bool = False) -> tuple[CoachApp, ScriptedSession]:
    session = ScriptedSession(script)
    return CoachApp(session, UiConfig(rep_only=rep_only)), session


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (44, 32)], ids=["80x24", "120x40", "44x32"])
def test_main_screen_during_a_call(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, session = app_for(scripted_call())
    assert snap_compare(app, terminal_size=size, run_before=after(session))


def test_rep_only_mode(snap_compare: SnapCompare) -> None:
    app, session = app_for(scripted_call(rep_only=True), rep_only=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after(session))


def test_call_ended_by_itself(snap_compare: SnapCompare) -> None:
    app, session = app_for([*scripted_call(), SessionEnded(JOURNAL, JOURNAL + ".md", EndReason.END_OF_AUDIO)])
    assert snap_compare(app, terminal_size=(80, 24), run_before=after(session))


def test_paused_with_the_nudge_dismissed(snap_compare: SnapCompare) -> None:
    app, session = app_for(scripted_call())
    assert snap_compare(app, terminal_size=(80, 24), run_before=after(session, "space", "n"))


def test_help_screen(snap_compare: SnapCompare) -> None:
    app, session = app_for(scripted_call())
    assert snap_compare(app, terminal_size=(80, 24), run_before=after(session, "question_mark"))
