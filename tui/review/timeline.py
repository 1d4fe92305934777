"""The call in three terminal rows: your share of talk over time, where the cues fell, and where you are.

Bars and glyphs carry the meaning (height, ▼ ▲ ★), colour only repeats it, so
the timeline reads on a monochrome terminal.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from calls.store import SavedCall, share_by_bin
from core.fmt import clock, share_verdict

BARS = "▁▂▃▄▅▆▇█"
LEFT = 6
"""Gutter for the row names ("talk", "cues") and the start time."""
RIGHT = 6
"""Room for the end time and the call's totals."""


def duration_of(call: SavedCall) -> float:
    return max(call.summary.duration_s, max((x.end for x in call.lines), default=0.0), 1.0)


def bar(share: float | None) -> str:
    if share is None:
        return " "
    return BARS[min(len(BARS) - 1, int(share * len(BARS)))]


def cue_row(call: SavedCall, cols: int) -> list[str]:
    """One glyph per column: ★ a mark, ▼ a One-Down moment, ▲ a One-Up moment (in that priority)."""
    duration = duration_of(call)
    row = [" "] * cols
    rank = {" ": 0, "▲": 1, "▼": 2, "★": 3}

    def put(at: float, glyph: str) -> None:
        i = min(cols - 1, max(0, int(at / duration * cols)))
        if rank[glyph] > rank[row[i]]:
            row[i] = glyph

    for line in call.rep_lines:
        if line.one_down:
            put(line.start, "▼")
        elif line.one_up:
            put(line.start, "▲")
    for mark in call.marks:
        put(mark.at, "★")
    return row


class Timeline(Widget):
    """Owns where the transcript cursor is on the call; a click asks the transcript to go there."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--name",
        "timeline--ok",
        "timeline--high",
        "timeline--low",
        "timeline--one-down",
        "timeline--one-up",
        "timeline--mark",
        "timeline--axis",
        "timeline--cursor",
    }

    cursor_at: reactive[float | None] = reactive(None)

    class Seek(Message):
        """The user clicked the timeline at call time ``at``."""

        def __init__(self, at: float) -> None:
            super().__init__()
            self.at = at

    def __init__(self, call: SavedCall, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.call = call

    def _cols(self) -> int:
        return max(1, self.content_region.width - LEFT - RIGHT)

    def render(self) -> Text:
        s = self.call.summary
        cols = self._cols()
        style = self.get_component_rich_style
        name = style("timeline--name")
        talk = Text("talk  ", name)
        if self.call.rep_only:
            talk.append("rep-only recording: no talk share", name)
        else:
            for share in share_by_bin(self.call, cols):
                verdict = (
                    "in band" if share is None else share_verdict(share, s.target_rep_share, s.target_band)
                )
                role = "ok" if verdict == "in band" else verdict
                talk.append(bar(share), style(f"timeline--{role}"))
            talk.append(f" {(s.rep_share or 0) * 100:3.0f}%", name)
        cues = Text("cues  ", name)
        glyph_style = {"▼": "one-down", "▲": "one-up", "★": "mark", " ": "axis"}
        for glyph in cue_row(self.call, cols):
            cues.append(glyph, style(f"timeline--{glyph_style[glyph]}"))
        cues.append(f" ▼{s.one_down}", style("timeline--one-down"))
        axis = Text(f"{clock(0):<{LEFT}}", name)
        here = None
        if self.cursor_at is not None:
            here = min(cols - 1, max(0, int(self.cursor_at / duration_of(self.call) * cols)))
        for i in range(cols):
            if i == here:
                axis.append("◆", style("timeline--cursor"))
            else:
                axis.append("─", style("timeline--axis"))
        axis.append(f" {clock(duration_of(self.call))}", name)
        return Text("\n").join([talk, cues, axis])

    def on_click(self, event: events.Click) -> None:
        col = event.x - self.gutter.left - LEFT
        if 0 <= col < self._cols():
            self.post_message(self.Seek((col + 0.5) / self._cols() * duration_of(self.call)))
