"""The saved call's transcript with a cursor: labels, evidence and nudges inline, filters, jumps, search.

A ``tui.common.lines.LineView`` like the live transcript: each shown entry is
wrapped once (again when the width, the filter or the search changes) and only
visible rows are drawn. The cursor is an entry, not a row, so jumps land on whole moments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from tui.common.lines import LineView, overlay
from tui.format import SPEAKER_LABEL
from tui.review.model import Entry, Filter, find, matches

MOMENT_GLYPH = {"mark": "★", "pause": "‖", "resume": "▶", "advisory": "!"}
MOMENT_TEXT = {"mark": "marked moment", "pause": "paused", "resume": "resumed", "advisory": "advice"}


@dataclass(frozen=True, slots=True)
class View:
    """What the status line needs to know about the transcript right now."""

    filter: Filter
    shown: int
    total: int
    cursor_at: float | None
    query: str
    match: int
    """1-based position of the cursor among the matches; 0 when it is not on one."""
    matches: int


class ReviewTranscript(LineView, can_focus=True):
    """Owns the entries, the filter, the cursor and the search of the review screen."""

    BORDER_TITLE = "Transcript"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup,b", "page(-1)", "Page up", show=False),
        Binding("home,g", "edge(0)", "First", show=False),
        Binding("end,G", "edge(1)", "Last", show=False),
        Binding("right_square_bracket", "jump('nudge', 1)", "Nudge", key_display="]"),
        Binding("left_square_bracket", "jump('nudge', -1)", "Prev nudge", key_display="[", show=False),
        Binding("m", "jump('mark', 1)", "Next mark", show=False),
        Binding("M", "jump('mark', -1)", "Prev mark", show=False),
        Binding("n", "jump('match', 1)", "Next match", show=False),
        Binding("N", "jump('match', -1)", "Prev match", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "review--time",
        "review--rep",
        "review--prospect",
        "review--one-down",
        "review--one-up",
        "review--neutral",
        "review--nudge",
        "review--praise",
        "review--evidence",
        "review--change",
        "review--mark",
        "review--moment",
        "review--cursor",
        "review--match",
        "review--empty",
    }

    class Changed(Message):
        """The filter, cursor or search changed: the status line and the timeline follow."""

        def __init__(self, view: View) -> None:
            super().__init__()
            self.view = view

    def __init__(self, entries: Sequence[Entry], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._all = list(entries)
        self._filter = Filter()
        self._shown: list[Entry] = list(entries)
        self._cursor = 0
        self._query = ""
        self._strips: list[list[Strip]] = []
        self._first_row: list[int] = []
        self._owner: list[int] = []
        """Entry index (in ``_shown``) of every row."""

    # State, for the app, the status line and tests.

    @property
    def shown(self) -> list[Entry]:
        return list(self._shown)

    @property
    def filter(self) -> Filter:
        return self._filter

    @property
    def search_text(self) -> str:
        return self._query

    @property
    def current(self) -> Entry | None:
        return self._shown[self._cursor] if self._shown else None

    def view(self) -> View:
        hits = matches(self._shown, self._query)
        pos = hits.index(self._cursor) + 1 if self._cursor in hits else 0
        cur = self.current
        return View(
            self._filter,
            len(self._shown),
            len(self._all),
            cur.at if cur else None,
            self._query,
            pos,
            len(hits),
        )

    def entry_text(self, entry: Entry) -> str:
        """An entry as plain text at the current width (what a reader sees, without colour)."""
        return "\n".join(s.text.rstrip() for s in self._wrap(entry, self._content_width()))

    # Changes.

    def set_filter(self, new: Filter) -> None:
        """Show only what ``new`` accepts; the cursor stays on the same moment or the next one shown."""
        at = self.current.at if self.current else 0.0
        self._filter = new
        self._shown = [e for e in self._all if new.accepts(e)]
        self._cursor = next(
            (i for i, e in enumerate(self._shown) if e.at >= at), max(0, len(self._shown) - 1)
        )
        self.rewrap()

    def search(self, query: str) -> bool:
        """Highlight ``query`` and move to the first match from the cursor on; False when none is shown."""
        self._query = query.strip()
        found = None
        if self._query and self._shown:
            if self._query.lower() in self._shown[self._cursor].haystack():
                found = self._cursor
            else:
                found = find(self._shown, self._cursor, 1, "match", self._query)
        self.rewrap()
        if found is not None:
            self.go(found)
        return found is not None or not self._query

    def go(self, index: int) -> None:
        if not self._shown:
            return
        self._cursor = max(0, min(len(self._shown) - 1, index))
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def go_to_time(self, at: float) -> None:
        """Move to the shown entry nearest to call time ``at`` (a click on the timeline)."""
        if self._shown:
            self.go(min(range(len(self._shown)), key=lambda i: abs(self._shown[i].at - at)))

    # Keys.

    def action_move(self, step: int) -> None:
        self.go(self._cursor + step)

    def action_page(self, step: int) -> None:
        if not self._shown:
            return
        target_row = self._first_row[self._cursor] + step * max(1, self.scrollable_content_region.height - 1)
        target_row = max(0, min(len(self._owner) - 1, target_row))
        self.go(self._owner[target_row] if self._owner else 0)

    def action_edge(self, last: int) -> None:
        self.go(len(self._shown) - 1 if last else 0)

    def action_jump(self, want: str, step: int) -> None:
        if want == "match" and not self._query:
            self.notify("No search yet: press / to search", timeout=3)
            return
        found = find(self._shown, self._cursor, step, want, self._query) if self._shown else None
        if found is None:
            what = {
                "nudge": "One-Down moment",
                "mark": "marked moment",
                "match": f"match for “{self._query}”",
            }
            self.notify(f"No {what[want]} in what is shown", timeout=3)
            return
        self.go(found)

    # Rendering.

    def on_mount(self) -> None:
        self._announce()

    def rewrap(self) -> None:
        self._width = self._content_width()
        self._strips = [self._wrap(e, self._width) for e in self._shown]
        self._first_row, self._owner = [], []
        for i, strips in enumerate(self._strips):
            self._first_row.append(len(self._owner))
            self._owner += [i] * len(strips)
        self.virtual_size = Size(self._width, len(self._owner))
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def _scroll_to_cursor(self) -> None:
        if not self._shown or not self._first_row:
            return
        top = self._first_row[self._cursor]
        height = len(self._strips[self._cursor])
        self.scroll_to_region(Region(0, top, 1, height), animate=False, immediate=True, force=True)

    def _announce(self) -> None:
        self.post_message(self.Changed(self.view()))

    def _wrap(self, entry: Entry, width: int) -> list[Strip]:
        if width <= 0:
            return []
        style = self.get_component_rich_style
        rows: list[Text] = []
        if entry.moment is not None:
            kind = entry.moment.kind
            css = "review--mark" if kind == "mark" else "review--moment"
            text = MOMENT_TEXT.get(kind, kind) + (f": {entry.moment.note}" if entry.moment.note else "")
            who = Text(f"{MOMENT_GLYPH.get(kind, '·'):<4}", style=style(css))
            rows += self._note(Text(text, style=style(css)), width, self.head(entry.at, who, "review--time"))
        else:
            line = entry.line
            assert line is not None
            who = Text(f"{SPEAKER_LABEL[line.speaker]:<4}", style=style(f"review--{line.speaker}"))
            body = Text(line.text)
            if line.label and line.stance == "neutral":
                body.append(
                    f"  [{line.label}{' · unsure' if line.unsure else ''}]", style=style("review--neutral")
                )
            rows += self._note(body, width, self.head(entry.at, who, "review--time"))
            if line.unsure and line.guess:
                sure = f" {line.guess_confidence * 100:.0f}%" if line.guess_confidence is not None else ""
                guess = f"? not sure enough to say: leaned {line.guess}{sure}"
                rows += self._note(Text(guess, style=style("review--evidence")), width)
            if line.label and line.stance in ("one-down", "one-up"):
                glyph = "▼" if line.one_down else "▲"
                tag = Text(f"{glyph} {line.stance}: {line.label}", style=style(f"review--{line.stance}"))
                if line.evidence:
                    tag.append(f"  “{line.evidence}”", style=style("review--evidence"))
                if line.like:  # a training example, not the rep's words: no quotation marks
                    tag.append(f"  like: {line.like}", style=style("review--evidence"))
                rows += self._note(tag, width)
            if line.one_down and line.nudge:
                rows += self._note(Text(f"➜ One-Up: {line.nudge}", style=style("review--nudge")), width)
            elif line.one_up and line.reinforcement:
                rows += self._note(Text(f"✓ {line.reinforcement}", style=style("review--praise")), width)
            if line.refine_note:
                rows += self._note(Text(line.refine_note, style=style("review--change")), width)
            if entry.change is not None:
                c = entry.change
                note = f"⟳ now {c.new.stance}: {c.new.label} (was {c.old_label or 'unlabelled'})"
                rows += self._note(Text(note, style=style("review--change")), width)
        return [self.to_strip(r, width) for r in rows]

    def _note(self, body: Text, width: int, first: Text | None = None) -> list[Text]:
        """``hang`` with the search matches highlighted."""
        if self._query:
            hit = overlay(self.get_component_rich_style("review--match"))
            body.highlight_words([self._query], hit, case_sensitive=False)
        return self.hang(body, width, first)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = scroll_y + y
        if not self._owner:
            if index == 0:
                hint = (
                    "Nothing matches the filter: c clears it."
                    if self._all
                    else "This call has no utterances."
                )
                return self.hint(hint, "review--empty")
            return self.blank()
        if index >= len(self._owner):
            return self.blank()
        owner = self._owner[index]
        strip = self._strips[owner][index - self._first_row[owner]]
        if owner == self._cursor:
            # After the text's own styles, so the cursor shows over coloured labels too.
            cursor = overlay(self.get_component_rich_style("review--cursor"))
            strip = Strip(Segment.apply_style(iter(strip), post_style=cursor), strip.cell_length)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)
