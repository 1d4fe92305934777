"""What the review screen shows, as plain data: entries, filters and search (pure, so tests pin it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from calls.replay import Change
from calls.store import Line, Moment, SavedCall
from core.events import Speaker
from core.taxonomy import ORDER


@dataclass(frozen=True, slots=True)
class Entry:
    """One transcript item: an utterance or a moment (mark, pause, resume, advisory)."""

    at: float
    line: Line | None = None
    moment: Moment | None = None
    change: Change | None = None
    """What ``--reclassify`` would label this utterance now, when that differs."""

    @property
    def is_nudge(self) -> bool:
        """A One-Down line: the moments a rep reviews (each has its One-Up alternative)."""
        return self.line is not None and self.line.one_down

    @property
    def is_mark(self) -> bool:
        return self.moment is not None and self.moment.kind == "mark"

    def haystack(self) -> str:
        """The text search looks in: what was said and what the coach said about it."""
        if self.moment is not None:
            return f"{self.moment.kind} {self.moment.note}".lower()
        assert self.line is not None
        line = self.line
        parts = [line.text, line.label or "", line.evidence or "", line.nudge or "", line.reinforcement or ""]
        return " ".join(parts).lower()


def build_entries(call: SavedCall, changes: Sequence[Change] = ()) -> list[Entry]:
    """Utterances and moments in call-time order (stable: the journal order breaks ties)."""
    by_index: Mapping[int, Change] = {c.index: c for c in changes}
    entries = [Entry(line.start, line=line, change=by_index.get(line.index)) for line in call.lines]
    entries += [Entry(m.at, moment=m) for m in call.moments]
    return sorted(entries, key=lambda e: e.at)


@dataclass(frozen=True, slots=True)
class Filter:
    """Which entries the transcript shows. Marks always show: the rep flagged them for review."""

    speaker: Speaker | None = None
    label: str | None = None
    one_down_only: bool = False
    changed_only: bool = False

    @property
    def active(self) -> bool:
        return self != Filter()

    def accepts(self, entry: Entry) -> bool:
        if entry.moment is not None:
            return entry.is_mark or not self.active
        line = entry.line
        assert line is not None
        if self.speaker is not None and line.speaker != self.speaker:
            return False
        if self.label is not None and line.label != self.label:
            return False
        if self.one_down_only and not line.one_down:
            return False
        return not (self.changed_only and entry.change is None)

    def describe(self) -> str:
        parts = []
        if self.speaker is not None:
            parts.append("you only" if self.speaker == "rep" else "them only")
        if self.label is not None:
            parts.append(f"label {self.label}")
        if self.one_down_only:
            parts.append("One-Down only")
        if self.changed_only:
            parts.append("changed only")
        return ", ".join(parts) or "everything"


SPEAKER_CYCLE: tuple[Speaker | None, ...] = (None, "rep", "prospect")


def next_speaker(current: Speaker | None) -> Speaker | None:
    return SPEAKER_CYCLE[(SPEAKER_CYCLE.index(current) + 1) % len(SPEAKER_CYCLE)]


def labels_in(call: SavedCall) -> list[str]:
    """The labels this call has, taxonomy order first, then custom labels alphabetically."""
    present = {line.label for line in call.rep_lines if line.label}
    return sorted(present, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))


def next_label(current: str | None, labels: Sequence[str]) -> str | None:
    """All labels -> each label in turn -> all labels again."""
    cycle: list[str | None] = [None, *labels]
    if current not in cycle:
        return None
    return cycle[(cycle.index(current) + 1) % len(cycle)]


def find(entries: Sequence[Entry], start: int, step: int, want: str, query: str = "") -> int | None:
    """Index of the next entry (after ``start``, going ``step`` = +1/-1) that is a nudge, mark or match.

    Wraps around the end, like a search in a pager; None when nothing qualifies.
    """
    n = len(entries)
    q = query.lower()
    for k in range(1, n + 1):
        i = (start + step * k) % n
        e = entries[i]
        if (
            (want == "nudge" and e.is_nudge)
            or (want == "mark" and e.is_mark)
            or (want == "match" and q and q in e.haystack())
        ):
            return i
    return None


def matches(entries: Sequence[Entry], query: str) -> list[int]:
    q = query.lower()
    return [i for i, e in enumerate(entries) if q and q in e.haystack()]
