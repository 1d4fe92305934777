"""The live transcript: final lines in call-time order, the current partial text below them."""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from live.events import Label, Mark, Partial, Speaker, Utterance
from tui.format import SPEAKER_LABEL, clock
from tui.messages import MarkReceived, PartialChanged, SessionEndedReceived, UtteranceReceived

MAX_LINES = 1000
"""Oldest lines are dropped past this: the journal keeps everything, the screen only needs the recent call."""


def label_tag(label: Label) -> str:
    """The tag printed after a rep line, e.g. ``[one-down: pain_probe]``."""
    if label.stance == "neutral" or label.label == "neutral":
        return "[neutral]"
    return f"[{label.stance}: {label.label}]"


class TranscriptLine(Widget):
    """One row: time, speaker name, text (wrapped under itself), and the rep's label tag."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line--time",
        "line--rep",
        "line--prospect",
        "line--text",
        "line--partial",
        "line--one-down",
        "line--one-up",
        "line--neutral",
        "line--mark",
    }

    def __init__(
        self,
        speaker: Speaker | None,
        start: float,
        text: str,
        label: Label | None = None,
        *,
        partial: bool = False,
    ) -> None:
        super().__init__(classes="-partial" if partial else None)
        self.speaker = speaker
        """None for a marked moment."""
        self.start = start
        self.text = text
        self.label = label
        self.partial = partial

    def update(self, start: float, text: str) -> None:
        """Replace the text of a partial line (it grows while the rep speaks)."""
        self.start = start
        self.text = text
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        # A grid gives the wrapped text a hanging indent, and it reflows on resize.
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=5, no_wrap=True)
        grid.add_column(width=4, no_wrap=True)
        grid.add_column(ratio=1)
        style = self.get_component_rich_style
        when = Text(clock(self.start), style=style("line--time"))
        if self.speaker is None:
            grid.add_row(
                when, Text("★", style=style("line--mark")), Text(self.text, style=style("line--mark"))
            )
            return grid
        who = Text(SPEAKER_LABEL[self.speaker], style=style(f"line--{self.speaker}"))
        if self.partial:
            body = Text(f"{self.text} …", style=style("line--partial"))
        else:
            body = Text(self.text, style=style("line--text"))
        if self.label is not None:
            stance = "neutral" if self.label.label == "neutral" else self.label.stance
            body.append("  ")
            body.append(label_tag(self.label), style=style(f"line--{stance}"))
        grid.add_row(when, who, body)
        return grid


class Transcript(VerticalScroll):
    """Owns the transcript state: the ordered final lines and one partial line per speaker."""

    BORDER_TITLE = "Transcript"

    def __init__(self, max_lines: int = MAX_LINES, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._lines: list[TranscriptLine] = []
        self._partials: dict[Speaker, TranscriptLine] = {}
        self._final_end: dict[Speaker, float] = {}

    def compose(self) -> ComposeResult:
        yield Static(
            "Waiting for speech…  You = your microphone, Them = the call audio.",
            id="transcript-empty",
        )
        yield Vertical(id="lines")
        yield Vertical(id="partials")

    @property
    def lines(self) -> list[TranscriptLine]:
        """Final lines (and marks), oldest first."""
        return list(self._lines)

    def partial_text(self, speaker: Speaker) -> str | None:
        """The partial text currently shown for ``speaker``, if any."""
        line = self._partials.get(speaker)
        return line.text if line is not None and line.display else None

    async def on_utterance_received(self, message: UtteranceReceived) -> None:
        await self.add_utterance(message.event)

    async def on_partial_changed(self, message: PartialChanged) -> None:
        await self.show_partial(message.event)

    async def on_mark_received(self, message: MarkReceived) -> None:
        await self.add_mark(message.event)

    def on_session_ended_received(self, message: SessionEndedReceived) -> None:
        # Nobody is speaking any more: a draft left over (cut off by the stop) would look live.
        for line in self._partials.values():
            line.display = False

    async def add_utterance(self, utterance: Utterance) -> None:
        """Add a final line; it replaces the partial of the same utterance."""
        speaker = utterance.speaker
        self._final_end[speaker] = max(self._final_end.get(speaker, 0.0), utterance.end)
        partial = self._partials.get(speaker)
        # A partial that started before this line ended was this utterance's draft;
        # one that started later belongs to the next utterance and stays.
        if partial is not None and partial.start < utterance.end:
            partial.display = False
        await self._insert(TranscriptLine(speaker, utterance.start, utterance.text, utterance.label))

    async def show_partial(self, partial: Partial) -> None:
        """Show (or grow) the greyed draft of the utterance being spoken."""
        if partial.start < self._final_end.get(partial.speaker, -1.0):
            return  # Late draft of a line that is already final.
        follow = self.is_vertical_scroll_end
        line = self._partials.get(partial.speaker)
        if line is None:
            line = TranscriptLine(partial.speaker, partial.start, partial.text, partial=True)
            self._partials[partial.speaker] = line
            await self.query_one("#partials", Vertical).mount(line)
        else:
            line.update(partial.start, partial.text)
            line.display = True
        if follow:
            self.scroll_end(animate=False)

    async def add_mark(self, mark: Mark) -> None:
        """Show a marked moment in place, so it can be found when reading back."""
        text = f"marked moment: {mark.note}" if mark.note else "marked moment"
        await self._insert(TranscriptLine(None, mark.at, text))

    async def _insert(self, line: TranscriptLine) -> None:
        follow = self.is_vertical_scroll_end
        # Channels are transcribed independently, so lines can arrive out of order:
        # keep them in call-time order (almost always an append).
        box = self.query_one("#lines", Vertical)
        if not self._lines:
            await self.query_one("#transcript-empty", Static).remove()
        index = bisect_right(self._lines, line.start, key=lambda existing: existing.start)
        if index == len(self._lines):
            await box.mount(line)
        else:
            await box.mount(line, before=self._lines[index])
        self._lines.insert(index, line)
        if len(self._lines) > self.max_lines:
            await self._lines.pop(0).remove()
        if follow:  # Stick to the newest line unless the user scrolled up to read back.
            self.scroll_end(animate=False)
