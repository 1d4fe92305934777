"""Nudge bank: every One-Down label has several short lines; rotation never repeats back to back."""

from __future__ import annotations

import itertools

from classifiers.nudges import MAX_NUDGE_CHARS, NUDGES, NudgeRotator, merged_bank
from core.taxonomy import NEUTRAL, ONE_DOWN, ONE_UP


def test_every_one_down_label_has_several_short_alternatives() -> None:
    for label in ONE_DOWN:
        lines = NUDGES[label]
        assert len(lines) >= 3, label
        assert len(set(lines)) == len(lines), label
        assert all(0 < len(line) <= MAX_NUDGE_CHARS for line in lines), label


def test_one_up_labels_get_reinforcement_and_neutral_none() -> None:
    for label in ONE_UP:
        assert NUDGES[label] and all(len(line) <= MAX_NUDGE_CHARS for line in NUDGES[label])
    assert NEUTRAL not in NUDGES
    assert NudgeRotator(NUDGES).next(NEUTRAL) is None


def test_rotation_never_repeats_back_to_back() -> None:
    rotator = NudgeRotator(NUDGES)
    sequence = [rotator.next(label) for label in ["pain_probe"] * 9 + ["rapport", "pain_probe"] * 5]
    assert all(a != b for a, b in itertools.pairwise(sequence))
    assert len(set(sequence[:4])) == 4


def test_rotation_skips_a_line_just_shown_by_another_label() -> None:
    rotator = NudgeRotator({"a": ("shared", "only a"), "b": ("shared", "only b")})
    assert rotator.next("a") == "shared"
    assert rotator.next("b") == "only b"


def test_user_nudges_come_first() -> None:
    bank = merged_bank({"rapport": ("mine",), "tracker": ("track",)})
    assert bank["rapport"][0] == "mine"
    assert bank["rapport"][1:] == NUDGES["rapport"]
    assert bank["tracker"] == ("track",)
