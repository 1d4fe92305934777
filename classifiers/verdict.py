"""From per-sentence probabilities to the verdict a rep is shown: abstain unless sure.

A coach that accuses wrongly gets switched off, so a non-neutral label is presented
only when its calibrated probability reaches the threshold; otherwise the turn is
presented as neutral and marked unsure, with the best guess kept for the journal.
A turn of several sentences takes its verdict from its strongest confident sentence
(One-Down first on a tie: that is what the coach is for). Pure, so the detector and
the threshold search on calibration.jsonl (classifiers/calibrate.py) share it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.events import Stance
from core.taxonomy import NEUTRAL


@dataclass(frozen=True, slots=True)
class Decision:
    label: str
    confidence: float
    part: int
    """Index of the sentence that decided (the least sure one for a plain neutral turn)."""
    unsure: bool = False
    guess: tuple[str, float] | None = None


def decide(
    parts: Sequence[np.ndarray],
    labels: Sequence[str],
    stances: Mapping[str, Stance],
    threshold: float,
    one_up_threshold: float | None = None,
    withheld: Collection[int] = (),
) -> Decision:
    """The presented verdict for a turn whose sentences have class probabilities ``parts``.

    ``threshold`` guards One-Down (and custom) verdicts; ``one_up_threshold`` (default: the same)
    guards praise, which accuses nobody and is calibrated for its own precision. ``withheld``: parts
    whose verdict is not presented however sure (their context reads otherwise); still a guess."""
    up = threshold if one_up_threshold is None else one_up_threshold
    neutral = labels.index(NEUTRAL)
    best_guess: tuple[float, int, int] | None = None  # (probability, part, label index)
    confident: list[tuple[float, int, int, int]] = []  # (probability, one-down first, part, label)
    for i, probs in enumerate(parts):
        top = int(np.argmax(probs))
        if top == neutral:
            continue
        p = float(probs[top])
        if best_guess is None or p > best_guess[0]:
            best_guess = (p, i, top)
        if i in withheld:
            continue
        if p >= (up if stances.get(labels[top]) == "one-up" else threshold):
            confident.append((p, int(stances.get(labels[top]) == "one-down"), i, top))
    if confident:
        p, _, i, top = max(confident)
        return Decision(labels[top], p, i)
    if best_guess is not None:
        p, i, top = best_guess
        return Decision(NEUTRAL, float(parts[i][neutral]), i, unsure=True, guess=(labels[top], p))
    least = min(range(len(parts)), key=lambda k: float(parts[k][neutral]))
    return Decision(NEUTRAL, float(parts[least][neutral]), least)
