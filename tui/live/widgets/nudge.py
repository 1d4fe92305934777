"""The current nudge: one at a time, prominent, with the evidence that triggered it."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.events import Nudge
from core.fmt import clock
from tui.messages import NudgeReceived

EMPTY_HINT = "No nudge right now. A cue appears here when a line of yours goes One-Down."


class NudgePanel(Widget):
    """Owns the shown nudge; a newer nudge replaces it, ``dismiss`` clears it.

    One at a time on purpose: a rep on a live call can act on one cue, not read a list.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"nudge--text", "nudge--why", "nudge--empty"}

    nudge: reactive[Nudge | None] = reactive(None, layout=True)

    def on_nudge_received(self, message: NudgeReceived) -> None:
        self.nudge = message.event

    def dismiss(self) -> bool:
        """Clear the shown nudge; False when there was none."""
        if self.nudge is None:
            return False
        self.nudge = None
        return True

    def watch_nudge(self, nudge: Nudge | None) -> None:
        self.set_class(nudge is not None and nudge.stance == "one-down", "-one-down")
        self.set_class(nudge is not None and nudge.stance == "one-up", "-one-up")
        if nudge is None:
            self.border_title = "Nudge"
            self.border_subtitle = ""
            return
        # The stance is spelled out in the title so it reads without colour.
        heading = "NUDGE" if nudge.stance == "one-down" else "NICE"
        self.border_title = f"{heading} · {nudge.stance}: {nudge.label} · {clock(nudge.at)}"
        self.border_subtitle = "n dismiss"

    def render(self) -> Text | Table:
        nudge = self.nudge
        if nudge is None:
            return Text(EMPTY_HINT, style=self.get_component_rich_style("nudge--empty"))
        # A grid, so a wrapped nudge or quotation keeps its indent in a narrow terminal.
        grid = Table.grid()
        grid.add_column(no_wrap=True)
        grid.add_column()
        text = self.get_component_rich_style("nudge--text")
        grid.add_row(Text("› ", style=text), Text(nudge.text, style=text))
        why = self.get_component_rich_style("nudge--why")
        if nudge.evidence:
            grid.add_row("", Text(f"why: “{nudge.evidence}”", style=why))
        if nudge.like:  # A training example, not the rep's words: never in quotation marks.
            grid.add_row("", Text(f"like: {nudge.like}", style=why))
        return grid
