"""The detector's context from the call so far: one rule, for the live pipeline, the replay, and the
call evaluation and its training rows (``classifiers.calls``).

A rep line is judged after the prospect's last turn (all of the prospect's lines since the rep's
last line) and, while the rep's turn goes on (lines less than ``turn_gap_s`` apart, the segmenter's
own rule for one utterance: ``vad.end_silence_ms``), after the rep's previous line. ``review
--reclassify`` must rebuild exactly what the live call gave the detector, or it reports changes that
no rule made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from classifiers.base import Context
from core.config import VadConfig
from core.events import Speaker


def recorded_turn_gap_s(config: Mapping[str, Any]) -> float:
    """A saved call's ``vad.end_silence_ms`` in seconds, from its journal's ``config`` (else the default):
    the gap the live call judged its turns by."""
    vad = config.get("vad")
    gap = vad.get("end_silence_ms") if isinstance(vad, Mapping) else None
    if isinstance(gap, int | float) and not isinstance(gap, bool) and gap > 0:
        return float(gap) / 1000
    return VadConfig().end_silence_ms / 1000


class TurnContext:
    """Feed every line in order (``line``; or ``rep``, which returns that line's context, and
    ``prospect``, which only records)."""

    def __init__(self, turn_gap_s: float) -> None:
        self._turn_gap_s = turn_gap_s
        self._prospect: str | None = None
        self._prospect_turn_done = False
        self._rep_prev: str | None = None
        self._rep_prev_end = -1e9

    def line(self, speaker: Speaker, start: float, end: float, text: str) -> Context | None:
        """Record one line of either speaker: a rep line's context (``rep``), None for a prospect line."""
        if speaker == "rep":
            return self.rep(start, end, text)
        self.prospect(text)
        return None

    def rep(self, start: float, end: float, text: str) -> Context:
        """The context of the rep's line ``text`` (``start``-``end``, call time), and it is recorded."""
        same_turn = start - self._rep_prev_end < self._turn_gap_s - 0.001  # times are rounded
        context = Context(start, self._prospect, self._rep_prev if same_turn else None)
        self._rep_prev, self._rep_prev_end = text, end
        self._prospect_turn_done = True
        return context

    def prospect(self, text: str) -> None:
        """A prospect line: part of the turn the rep's next line answers."""
        turn = None if self._prospect_turn_done else self._prospect
        self._prospect = f"{turn} {text}" if turn else text
        self._prospect_turn_done = False
