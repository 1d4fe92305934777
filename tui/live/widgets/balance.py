"""Talk-time balance and the call-level counters, redrawn from each ``Coaching`` event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.events import Coaching
from core.fmt import band, clock, share_verdict
from tui.format import longest_fit, two_rows
from tui.messages import CoachingChanged, SessionStartedReceived

BAND_EDGE = "┃"
FILLED = "█"
EMPTY = "░"
MIN_BAR = 10
"""Fewer cells than this make no useful bar: the numbers alone are shown."""
LONG_WORDS = {"in band": "on target", "high": "too much", "low": "too little", "dim": "waiting"}
SHORT_WORDS = {"in band": "ok", "high": "high", "low": "low", "dim": "wait"}
REP_ONLY = ("rep-only: no talk balance (no call audio)", "rep-only: no talk balance", "rep-only")
WAITING = ("waiting for speech", "waiting")


@dataclass(frozen=True)
class CounterWords:
    """The counters line's labels: the longest that fit the width (the last ones whatever the width)."""

    monologue: str
    questions: str
    one_down: str
    one_up: str
    alert: str
    sep: str


COUNTER_WORDS = (
    CounterWords("Monologue ", "Questions ", "One-Down ", "One-Up ", " ! long", "  ·  "),
    CounterWords("Mono ", "Q ", "Down ", "Up ", " !", " · "),
    CounterWords("", "Q", "Down ", "Up ", " !", " "),
)


def bar_cells(width: int, share: float | None, target: float, band: float) -> list[tuple[str, str]]:
    """The bar as (glyph, role) cells: role is "fill", "empty" or "edge".

    The band's edges are drawn as glyphs, not only as colour, so the target
    stays visible on a monochrome terminal and under the filled part.
    """
    if width <= 0:
        return []
    lo, hi = max(0.0, target - band), min(1.0, target + band)
    edges = {min(width - 1, round(lo * width)), min(width - 1, round(hi * width))}
    cells: list[tuple[str, str]] = []
    for i in range(width):
        if i in edges:
            cells.append((BAND_EDGE, "edge"))
        elif share is not None and (i + 0.5) / width <= share:
            cells.append((FILLED, "fill"))
        else:
            cells.append((EMPTY, "empty"))
    return cells


class TalkBalance(Widget):
    """Owns the latest coaching signals and whether talk balance is meaningful (not rep-only)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "balance--label",
        "balance--fill",
        "balance--empty",
        "balance--edge",
        "balance--ok",
        "balance--high",
        "balance--low",
        "balance--alert",
        "balance--dim",
        "balance--one-down",
        "balance--one-up",
    }

    coaching: reactive[Coaching | None] = reactive(None)
    rep_only: reactive[bool] = reactive(False)

    def on_coaching_changed(self, message: CoachingChanged) -> None:
        self.coaching = message.event

    def on_session_started_received(self, message: SessionStartedReceived) -> None:
        self.rep_only = message.event.rep_only

    def render(self) -> Text:
        width = self.size.width
        return two_rows(self._balance_line(width), self._counters_line(width), width)

    def _balance_line(self, width: int) -> Text:
        """Bar, share and verdict; the target band, then the verdict's long words give way first, so
        the bar stays (a terminal beside the video call is often 40-60 columns wide)."""
        style = self.get_component_rich_style
        line = Text("Talk  ", style=style("balance--label"))
        if self.rep_only:
            line.append(longest_fit(REP_ONLY, width - len(line)), style=style("balance--dim"))
            return line
        c = self.coaching
        line.append("You ", style=style("balance--label"))
        if c is None:
            line.append(longest_fit(WAITING, width - len(line)), style=style("balance--dim"))
            return line
        lo, hi = band(c.target_share, c.target_band)
        if c.rep_share is None:
            verdict, share_text = "dim", " --%"
        else:
            verdict = share_verdict(c.rep_share, c.target_share, c.target_band)
            share_text = f"{c.rep_share:4.0%}"
        forms = [  # (verdict words, band text), widest first
            (LONG_WORDS[verdict], f" · target {lo:.0%}–{hi:.0%}"),
            (LONG_WORDS[verdict], ""),
            (SHORT_WORDS[verdict], ""),
        ]
        for words, band_text in forms:
            bar_width = width - len(line) - len(f" {share_text} {words}{band_text}")
            if bar_width >= MIN_BAR:
                break
        else:  # Too narrow for a useful bar: keep the numbers.
            bar_width = 0
        roles = {role: style(f"balance--{role}") for role in ("fill", "empty", "edge")}
        for glyph, role in bar_cells(bar_width, c.rep_share, c.target_share, c.target_band):
            line.append(glyph, style=roles[role])
        role = "balance--ok" if verdict == "in band" else f"balance--{verdict}"
        line.append(f" {share_text} ", style=style(role) + Style(bold=True))
        line.append(words, style=style(role))
        line.append(band_text, style=style("balance--dim"))
        return line

    def _counters_line(self, width: int) -> Text:
        """Monologue, questions and the stance counts; short labels when the long ones do not fit,
        so the One-Down count is never the part cut off."""
        style = self.get_component_rich_style
        c = self.coaching
        for words in COUNTER_WORDS:
            line = Text()
            sep = (words.sep, style("balance--dim"))
            if c is None:
                empty = (
                    f"{words.monologue}--:--",
                    f"{words.questions}0",
                    f"{words.one_down}0",
                    f"{words.one_up}0",
                )
                line.append(words.sep.join(empty), style=style("balance--dim"))
            else:
                line.append(words.monologue, style=style("balance--label"))
                if c.monologue_alert:
                    line.append(f"{clock(c.current_monologue_s)}{words.alert}", style=style("balance--alert"))
                else:
                    line.append(clock(c.current_monologue_s))
                line.append(*sep)
                line.append(words.questions, style=style("balance--label"))
                line.append(str(c.questions))
                line.append(*sep)
                line.append(words.one_down, style=style("balance--label"))
                line.append(str(c.one_down), style=style("balance--one-down"))
                line.append(*sep)
                line.append(words.one_up, style=style("balance--label"))
                line.append(str(c.one_up), style=style("balance--one-up"))
            if len(line) <= width:
                break
        return line
