"""The scorecard of a call and the trend across calls: the data every report format renders.

Markdown, JSON (``calls.report``) and HTML (``calls.report_html``) are all built
from one ``Scorecard`` or one list of ``TrendPoint`` so the formats cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from calls.store import Line, SavedCall, Summary
from core import fmt
from core.taxonomy import ORDER, title


def band_text(s: Summary) -> str:
    return fmt.band_text(s.target_rep_share, s.target_band)


def when(call: SavedCall) -> str:
    return call.started_at.strftime("%Y-%m-%d %H:%M") if call.started_at else call.id


@dataclass(frozen=True, slots=True)
class Category:
    """One label's moments in the call, in call order."""

    label: str
    title: str
    moments: tuple[Line, ...]


WITHDRAWN_WHY = (
    "The live coach showed these as One-Down; heard again with the call's context, they read otherwise, "
    "so they are not counted as One-Down."
)
"""What the scorecard says over the lines the refine pass withdrew (every format)."""


@dataclass(frozen=True)
class Scorecard:
    call: SavedCall
    one_down: tuple[Category, ...]
    one_up: tuple[Category, ...]
    withdrawn: tuple[Line, ...] = ()
    """Lines the live coach showed as One-Down that the refine pass read otherwise: not counted as One-Down,
    but the rep saw them (and their nudge) during the call, so the scorecard says so."""

    @property
    def summary(self) -> Summary:
        return self.call.summary


def _group(lines: Sequence[Line]) -> tuple[Category, ...]:
    by: dict[str, list[Line]] = {}
    for line in sorted(lines, key=lambda x: x.start):
        by.setdefault(line.label or "?", []).append(line)
    # Taxonomy order, then custom labels by how often they fired.
    keys = sorted(by, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), -len(by[k]), k))
    return tuple(Category(k, title(k), tuple(by[k])) for k in keys)


def scorecard(call: SavedCall) -> Scorecard:
    rep = call.rep_lines
    return Scorecard(
        call,
        one_down=_group([x for x in rep if x.one_down]),
        one_up=_group([x for x in rep if x.one_up]),
        withdrawn=tuple(sorted((x for x in rep if x.withdrawn), key=lambda x: x.start)),
    )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One call in a folder's trend, oldest first."""

    id: str
    when: str
    duration_s: float
    rep_share: float | None
    target_rep_share: float
    target_band: float
    one_down: int
    one_up: int
    one_down_rate: float | None
    complete: bool


def trend(calls: Sequence[SavedCall]) -> list[TrendPoint]:
    ordered = sorted(
        calls, key=lambda c: (c.started_at is None, c.started_at.timestamp() if c.started_at else 0)
    )
    return [
        TrendPoint(
            id=c.id,
            when=when(c),
            duration_s=c.summary.duration_s,
            rep_share=c.summary.rep_share,
            target_rep_share=c.summary.target_rep_share,
            target_band=c.summary.target_band,
            one_down=c.summary.one_down,
            one_up=c.summary.one_up,
            one_down_rate=c.one_down_rate,
            complete=not c.summary.recomputed,
        )
        for c in ordered
    ]


def call_names(points: Sequence[TrendPoint]) -> list[str]:
    """How each call is named in a trend table: its start time, and its session id after it where
    two calls started in the same minute (they would read as one)."""
    seen = Counter(p.when for p in points)
    return [p.when if seen[p.when] == 1 else f"{p.when} ({p.id})" for p in points]


def trend_direction(values: Sequence[float | None]) -> float | None:
    """Last third minus first third of the calls: >0 rising, <0 falling; None with too few calls."""
    xs = [v for v in values if v is not None]
    if len(xs) < 2:
        return None
    k = max(1, len(xs) // 3)
    return sum(xs[-k:]) / k - sum(xs[:k]) / k
