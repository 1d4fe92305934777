"""The call-level evaluation's data and scoring (the runs themselves: ``classifiers.evaluate --calls``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.calls import TurnResult, load_calls, score_calls
from classifiers.dataset import CALLS_B_PATH, CALLS_PATH
from core.taxonomy import LABELS, NEUTRAL


@pytest.mark.parametrize(("path", "ids"), [(CALLS_PATH, range(1, 17)), (CALLS_B_PATH, range(17, 25))])
def test_each_call_set_is_whole_and_at_the_real_distribution(path: Path, ids: range) -> None:
    calls = load_calls(path)
    assert [c["id"] for c in calls] == [f"call-{i:02d}" for i in ids]
    for call in calls:
        turns = call["turns"]
        assert isinstance(turns, list) and turns[0]["speaker"] == "rep", call["id"]
        rep = [t for t in turns if t["speaker"] == "rep"]
        assert all(("label" in t) == (t["speaker"] == "rep") for t in turns), call["id"]
        assert all(t["label"] in LABELS for t in rep), call["id"]
        neutral = sum(t["label"] == NEUTRAL for t in rep) / len(rep)
        assert 0.4 <= neutral <= 0.6, (call["id"], neutral)


def test_accusations_are_counted_over_neutral_and_one_up_turns_only() -> None:
    def turn(gold: str, shown: str, unsure: bool = False) -> TurnResult:
        return TurnResult("call-x", "", gold, shown, unsure, True)

    scores = score_calls(
        [
            turn("neutral", "neediness"),  # accused
            turn("teaching", "teaching"),
            turn("neutral", "neutral", unsure=True),
            turn("rapport", "rapport"),
            turn("pain_probe", "neutral"),  # missed
        ]
    )
    assert scores.false_one_down == pytest.approx(1 / 3)
    assert scores.one_down_recall == pytest.approx(1 / 2)
    assert scores.label_right == pytest.approx(3 / 5) and scores.unsure == pytest.approx(1 / 5)
