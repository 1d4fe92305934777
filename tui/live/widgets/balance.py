"""Talk-time balance and the call-level counters, redrawn from each ``Coaching`` event."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.events import Coaching
from core.fmt import band, clock, share_verdict
from tui.messages import CoachingChanged, SessionStartedReceived

BAR_PREFIX = "Talk  You "
BAND_EDGE = "┃"
FILLED = "█"
EMPTY = "░"


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
        text = self._balance_line(self.size.width)
        text.append("\n")
        text.append_text(self._counters_line())
        return text

    def _balance_line(self, width: int) -> Text:
        style = self.get_component_rich_style
        line = Text("Talk  ", style=style("balance--label"))
        if self.rep_only:
            line.append("rep-only: no talk balance (no call audio)", style=style("balance--dim"))
            return line
        c = self.coaching
        line.append("You ", style=style("balance--label"))
        if c is None:
            line.append("waiting for speech", style=style("balance--dim"))
            return line
        lo, hi = band(c.target_share, c.target_band)
        band_text = f" · target {lo:.0%}–{hi:.0%}"
        if c.rep_share is None:
            verdict, share_text = "dim", " --%"
        else:
            verdict = share_verdict(c.rep_share, c.target_share, c.target_band)
            share_text = f"{c.rep_share:4.0%}"
        words = {"in band": "on target", "high": "too much", "low": "too little", "dim": "waiting"}[verdict]
        bar_width = width - len(line) - len(f" {share_text} {words}{band_text}")
        if bar_width < 10:  # Too narrow for a useful bar: keep the numbers.
            bar_width = 0
        roles = {role: style(f"balance--{role}") for role in ("fill", "empty", "edge")}
        for glyph, role in bar_cells(bar_width, c.rep_share, c.target_share, c.target_band):
            line.append(glyph, style=roles[role])
        role = "balance--ok" if verdict == "in band" else f"balance--{verdict}"
        line.append(f" {share_text} ", style=style(role) + Style(bold=True))
        line.append(words, style=style(role))
        line.append(band_text, style=style("balance--dim"))
        return line

    def _counters_line(self) -> Text:
        style = self.get_component_rich_style
        c = self.coaching
        line = Text()
        sep = ("  ·  ", style("balance--dim"))
        if c is None:
            line.append(
                "Monologue --:--  ·  Questions 0  ·  One-Down 0  ·  One-Up 0", style=style("balance--dim")
            )
            return line
        line.append("Monologue ", style=style("balance--label"))
        if c.monologue_alert:
            line.append(f"{clock(c.current_monologue_s)} ! long", style=style("balance--alert"))
        else:
            line.append(clock(c.current_monologue_s))
        line.append(*sep)
        line.append("Questions ", style=style("balance--label"))
        line.append(str(c.questions))
        line.append(*sep)
        line.append("One-Down ", style=style("balance--label"))
        line.append(str(c.one_down), style=style("balance--one-down"))
        line.append(*sep)
        line.append("One-Up ", style=style("balance--label"))
        line.append(str(c.one_up), style=style("balance--one-up"))
        return line
