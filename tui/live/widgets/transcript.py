"""The live transcript: final lines in call-time order, the current partial text below them.

A ``tui.common.lines.LineView`` (Line API): each entry is wrapped once and only
visible rows are drawn, so a new line late in a call costs under a millisecond.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip

from core.events import Label, Mark, Partial, Speaker, Utterance
from tui.common.lines import LineView
from tui.format import SPEAKER_LABEL
from tui.messages import MarkReceived, PartialChanged, SessionEndedReceived, UtteranceReceived

MAX_LINES = 1000
"""Oldest lines are dropped past this: the journal keeps everything, the screen only needs the recent call."""
EMPTY_HINT = "Waiting for speech…  You = your microphone, Them = the call audio."


def label_tag(label: Label) -> str:
    """The tag printed after a rep line, e.g. ``[one-down: pain_probe]``; an unsure verdict is neutral."""
    if label.unsure:
        return "[neutral · unsure]"
    if label.stance == "neutral" or label.label == "neutral":
        return "[neutral]"
    return f"[{label.stance}: {label.label}]"


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One transcript row group: a final line, a partial draft, or a marked moment."""

    speaker: Speaker | None
    """None for a marked moment."""
    start: float
    text: str
    label: Label | None = None
    partial: bool = False


class Transcript(LineView, can_focus=True):
    """Owns the transcript state: ordered final lines and marks, and one partial draft per speaker."""

    BORDER_TITLE = "Transcript"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--time",
        "transcript--rep",
        "transcript--prospect",
        "transcript--text",
        "transcript--partial",
        "transcript--one-down",
        "transcript--one-up",
        "transcript--neutral",
        "transcript--mark",
        "transcript--empty",
    }

    def __init__(self, max_lines: int = MAX_LINES, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._entries: list[TranscriptEntry] = []
        self._strips: list[list[Strip]] = []
        """Wrapped rows of each entry at ``_width``, parallel to ``_entries``."""
        self._partials: dict[Speaker, TranscriptEntry] = {}
        self._partial_strips: dict[Speaker, list[Strip]] = {}
        self._final_end: dict[Speaker, float] = {}
        self._rows: list[Strip] | None = None
        """All rows, flattened; rebuilt lazily after a change."""
        self._follow = True

    # Reading the state (for tests and for anyone embedding the widget).

    @property
    def entries(self) -> list[TranscriptEntry]:
        """Final lines and marks, oldest first."""
        return list(self._entries)

    def partial_text(self, speaker: Speaker) -> str | None:
        """The partial text currently shown for ``speaker``, if any."""
        entry = self._partials.get(speaker)
        return entry.text if entry is not None else None

    def entry_text(self, entry: TranscriptEntry) -> str:
        """An entry as plain text, wrapped at the current width."""
        return "\n".join(strip.text.rstrip() for strip in self._wrap(entry, self._content_width()))

    # Messages from the bridge.

    def on_utterance_received(self, message: UtteranceReceived) -> None:
        self.add_utterance(message.event)

    def on_partial_changed(self, message: PartialChanged) -> None:
        self.show_partial(message.event)

    def on_mark_received(self, message: MarkReceived) -> None:
        self.add_mark(message.event)

    def on_session_ended_received(self, message: SessionEndedReceived) -> None:
        # Nobody is speaking any more: a draft cut off by the stop would look live.
        self._partials.clear()
        self._partial_strips.clear()
        self._changed()

    # Changes.

    def add_utterance(self, utterance: Utterance) -> None:
        """Add a final line; it replaces the partial draft of the same utterance."""
        speaker = utterance.speaker
        self._final_end[speaker] = max(self._final_end.get(speaker, 0.0), utterance.end)
        draft = self._partials.get(speaker)
        # A draft that started before this line ended was this utterance's;
        # one that started later belongs to the next utterance and stays.
        if draft is not None and draft.start < utterance.end:
            del self._partials[speaker]
            del self._partial_strips[speaker]
        self._insert(TranscriptEntry(speaker, utterance.start, utterance.text, utterance.label))
        self._changed()

    def show_partial(self, partial: Partial) -> None:
        """Show (or grow) the greyed draft of the utterance being spoken."""
        if partial.start < self._final_end.get(partial.speaker, -1.0):
            return  # Late draft of a line that is already final.
        entry = TranscriptEntry(partial.speaker, partial.start, partial.text, partial=True)
        self._partials[partial.speaker] = entry
        self._partial_strips[partial.speaker] = self._wrap(entry, self._width)
        self._changed()

    def add_mark(self, mark: Mark) -> None:
        """Show a marked moment in place, so it can be found when reading back."""
        self._insert(
            TranscriptEntry(None, mark.at, f"marked moment: {mark.note}" if mark.note else "marked moment")
        )
        self._changed()

    def _insert(self, entry: TranscriptEntry) -> None:
        # Channels are transcribed independently, so lines can arrive out of
        # order: keep call-time order (almost always an append).
        index = bisect_right(self._entries, entry.start, key=lambda existing: existing.start)
        self._entries.insert(index, entry)
        self._strips.insert(index, self._wrap(entry, self._width))
        if len(self._entries) > self.max_lines:
            del self._entries[0], self._strips[0]

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Only the reader's own scrolling decides whether the view follows the call: "is the view at
        # the end?" asked at a change or a resize reads the old scroll position against a new size or
        # new rows, and the transcript stopped following the call.
        self._follow = self.is_vertical_scroll_end

    def on_resize(self) -> None:
        super().on_resize()  # re-wraps when the width changed
        if self._follow:  # a new height alone moves the end too
            self.call_after_refresh(self.scroll_end, animate=False)

    def _changed(self) -> None:
        self._rows = None
        self.virtual_size = Size(self._width, len(self._all_rows()))
        self.refresh()
        if self._follow:  # Stick to the newest line unless the user scrolled up to read back.
            self.scroll_end(animate=False)

    # Rendering.

    def rewrap(self) -> None:
        width = self._width = self._content_width()
        self._strips = [self._wrap(entry, width) for entry in self._entries]
        self._partial_strips = {s: self._wrap(entry, width) for s, entry in self._partials.items()}
        self._changed()

    def _all_rows(self) -> list[Strip]:
        if self._rows is None:
            rows = [row for strips in self._strips for row in strips]
            rows += [row for strips in self._partial_strips.values() for row in strips]
            self._rows = rows
        return self._rows

    def _wrap(self, entry: TranscriptEntry, width: int) -> list[Strip]:
        if width <= 0:
            return []
        style = self.get_component_rich_style
        if entry.speaker is None:
            who, body = (
                Text("★   ", style=style("transcript--mark")),
                Text(entry.text, style("transcript--mark")),
            )
        elif entry.partial:
            who = Text(f"{SPEAKER_LABEL[entry.speaker]:<4}", style=style(f"transcript--{entry.speaker}"))
            body = Text(f"{entry.text} …", style=style("transcript--partial"))
        else:
            who = Text(f"{SPEAKER_LABEL[entry.speaker]:<4}", style=style(f"transcript--{entry.speaker}"))
            body = Text(entry.text, style=style("transcript--text"))
            if entry.label is not None:
                stance = "neutral" if entry.label.label == "neutral" else entry.label.stance
                body.append("  ")
                body.append(label_tag(entry.label), style=style(f"transcript--{stance}"))
        rows = self.hang(body, width, self.head(entry.start, who, "transcript--time"))
        return [self.to_strip(row, width) for row in rows]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        rows = self._all_rows()
        index = scroll_y + y
        if not rows and index == 0:
            return self.hint(EMPTY_HINT, "transcript--empty")
        if index >= len(rows):
            return self.blank()
        return rows[index].crop_extend(scroll_x, scroll_x + width, self.rich_style)
