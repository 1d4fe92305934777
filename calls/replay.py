"""Replay: run the detector again over a saved call and say what changed.

So a rep or manager can tune the rules offline and see the effect on real calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from calls.store import SavedCall
from classifiers.base import Classifier
from core.config import DetectorConfig
from core.events import Label, Stance
from core.fmt import clock


@dataclass(frozen=True, slots=True)
class Change:
    """A rep utterance whose label differs when the detector runs again."""

    index: int
    """``Line.index`` of the utterance."""
    start: float
    text: str
    old_label: str | None
    old_stance: Stance | None
    new: Label

    @property
    def old(self) -> str:
        return f"{self.old_label or 'unlabelled'} ({self.old_stance or '-'})"

    @property
    def now(self) -> str:
        return f"{self.new.label} ({self.new.stance})"


@dataclass(frozen=True)
class Replay:
    """What re-running the detector over a saved call changed."""

    rules: str
    """The rules file used, or "built-in rules"."""
    checked: int
    """Rep utterances classified again."""
    changes: tuple[Change, ...]
    one_down_before: int
    one_down_after: int


def replay(call: SavedCall, classifier: Classifier, rules: str = "built-in rules") -> Replay:
    """Classify every rep utterance again, with the context the live call gave the detector.

    The live pipeline's context comes from ``classifiers.turns.TurnContext`` (the prospect's last turn,
    the rep's previous line of the same turn, the start time); so does this, so only the rules differ.
    """
    from classifiers.turns import TurnContext, recorded_turn_gap_s

    turns = TurnContext(recorded_turn_gap_s(call.config))  # the gap the live call judged its turns by
    changes: list[Change] = []
    before = after = checked = 0
    for line in call.lines:
        # The context holds the lines as they were first written (a later revision was judged in the
        # context of its first version, as the live pipeline does); the line itself is its latest text.
        heard = line.live_text if line.live_text is not None else line.text
        context = turns.line(line.speaker, line.start, line.end, heard)
        if context is None:
            continue
        checked += 1
        new = classifier.classify(line.text, context)
        before += line.stance == "one-down"
        after += new.stance == "one-down"
        if (new.label, new.stance) != (line.label, line.stance):
            changes.append(Change(line.index, line.start, line.text, line.label, line.stance, new))
    return Replay(rules, checked, tuple(changes), before, after)


def load_replay(call: SavedCall, settings: DetectorConfig) -> Replay:
    """Replay with the detector ``settings`` resolve to (the configured rules, or ``--rules``)."""
    from classifiers import load_classifier

    rules = settings.rules
    return replay(
        call, load_classifier(rules, settings.min_confidence), str(rules) if rules else "built-in rules"
    )


def replay_lines(result: Replay) -> list[str]:
    """The headless form: one line per change, then a total."""
    out = [f"{clock(c.start)}  {c.old} -> {c.now}  {c.text}" for c in result.changes]
    out.append(
        f"{len(result.changes)} of {result.checked} rep utterances changed with {result.rules}; "
        f"One-Down {result.one_down_before} -> {result.one_down_after}"
    )
    return out
