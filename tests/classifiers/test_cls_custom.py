"""User rules flow through classify: custom labels, cue overrides, example matches, nudges."""

from __future__ import annotations

import pytest

from classifiers.base import Context
from classifiers.detector import OneDownDetector
from classifiers.rules import parse_rules

RULES = parse_rules(
    """
[settings]
example_similarity = 0.8

[labels.early_discount]
stance = "one-down"
cues = ["knock off", "special pricing"]
examples = ["if budget is tight i can probably get you twenty percent off the list price"]
nudges = ["Hold the price: restate the cost of the problem.", "Don't discount unprompted."]

[labels.competitor_mention]
stance = "neutral"
cues = ["acme analytics"]

[labels.pain_probe]
cues = ["where does it sting"]
nudges = ["Name the sting yourself: say what it costs teams like theirs."]
""",
    "test-rules",
)
MID = Context(call_time=600.0)


@pytest.fixture(scope="module")
def detector() -> OneDownDetector:
    found = OneDownDetector(rules=RULES)
    found.warm()
    return found


def test_custom_cue_overrides_the_model(detector: OneDownDetector) -> None:
    label = detector.classify("Our platform is great and I can knock off ten percent today", MID)
    assert label.label == "early_discount"
    assert label.stance == "one-down"
    assert label.evidence == "knock off"
    assert label.nudge in RULES.labels[0].nudges


def test_custom_nudges_rotate(detector: OneDownDetector) -> None:
    first = detector.classify("we have special pricing this month", MID).nudge
    second = detector.classify("i can knock off the setup fee", MID).nudge
    assert first != second
    assert {first, second} == set(RULES.labels[0].nudges)


def test_example_sentence_matches_a_paraphrase(detector: OneDownDetector) -> None:
    label = detector.classify("if the budget's tight i could probably get you twenty percent off list", MID)
    assert label.label == "early_discount"
    # The user's example is what it resembles ("like"), never quoted as the rep's words.
    assert label.like == RULES.labels[0].examples[0]
    assert label.evidence == ""
    assert label.confidence >= 0.8


def test_example_does_not_swallow_unrelated_text(detector: OneDownDetector) -> None:
    assert detector.classify("what keeps you up at night", MID).label == "pain_probe"


def test_neutral_tracker_has_no_nudge(detector: OneDownDetector) -> None:
    label = detector.classify("are you also looking at Acme Analytics", MID)
    assert (label.label, label.stance, label.nudge) == ("competitor_mention", "neutral", None)


def test_extra_cue_for_builtin_label_uses_user_nudge_first() -> None:
    label = OneDownDetector(rules=RULES).classify("so where does it sting the most", MID)
    assert label.label == "pain_probe"
    assert label.nudge == "Name the sting yourself: say what it costs teams like theirs."


def test_without_rules_the_phrase_is_left_to_the_model() -> None:
    plain = OneDownDetector()
    assert plain.classify("are you also looking at acme analytics", MID).label != "competitor_mention"
