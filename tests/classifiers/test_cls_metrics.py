"""The evaluation arithmetic (macro-F1, One-Down-vs-rest F1) on hand-checked cases."""

from __future__ import annotations

import pytest

from classifiers.evaluate import report, score


def test_perfect_predictions() -> None:
    gold = ["rapport", "teaching", "neutral"]
    s = score(gold, gold)
    assert s.one_down_f1 == pytest.approx(1.0)
    assert s.accuracy == pytest.approx(1.0)
    # Labels absent from gold and predictions score 0 F1, so macro-F1 is 3/10 here.
    assert s.macro_f1 == pytest.approx(0.3)


def test_one_down_vs_rest_counts_any_one_down_label_as_a_hit() -> None:
    gold = ["rapport", "pain_probe", "teaching", "neutral"]
    predicted = ["credibility", "pain_probe", "neutral", "neediness"]
    s = score(gold, predicted)
    # one-down: gold {0,1}, predicted {0,1,3} -> tp 2, fp 1, fn 0 -> P 2/3, R 1 -> F1 0.8
    assert s.one_down_f1 == pytest.approx(0.8)
    assert s.accuracy == pytest.approx(0.25)


def test_report_has_table_confusion_and_headline() -> None:
    text = report("t", ["rapport", "neutral"], ["rapport", "rapport"])
    assert "confusion" in text
    assert "macro-F1" in text and "One-Down-vs-rest F1" in text
    assert text.splitlines()[2].startswith("rapport")
