"""The shipped detector on fresh sentences (not in any data file): each label, and the near-misses."""

from __future__ import annotations

import pytest

from classifiers import load_classifier
from classifiers.base import Context
from classifiers.detector import OneDownDetector
from classifiers.text import normalize
from core.taxonomy import STANCES

MID = Context(call_time=12 * 60.0)


@pytest.fixture(scope="module")
def detector() -> OneDownDetector:
    found = load_classifier()
    found.warm()
    return found


CASES: list[tuple[str, str]] = [
    # rapport
    ("so did you get up to anything fun this weekend", "rapport"),
    ("oh nice is that a guitar on the wall behind you do you play", "rapport"),
    # credibility
    (
        "we've been around since nineteen ninety two and we serve over three thousand credit unions",
        "credibility",
    ),
    ("um we were just ranked the number one vendor in our category by g two", "credibility"),
    # pain_probe
    ("what are the biggest problems with your erp today", "pain_probe"),
    ("so how is all that downtime impacting your production numbers", "pain_probe"),
    # solution_pitch
    ("our platform flags every late shipment automatically and reroutes it", "solution_pitch"),
    ("let me pull up the dashboard and show you how the scheduling module works", "solution_pitch"),
    # neediness
    ("hey just circling back on that proposal i sent over last week", "neediness"),
    ("could you possibly put in a good word for me with your vp", "neediness"),
    # buyer_led
    ("whatever timeline works best for you guys is fine with us", "buyer_led"),
    ("so how would you like to proceed from here", "buyer_led"),
    # perspective
    (
        "what we're seeing across regional banks is deposit costs up almost forty percent since last year",
        "perspective",
    ),
    (
        "with the new state privacy law most retailers now have to delete customer data on request",
        "perspective",
    ),
    # challenges
    (
        "you're probably finding that your planners spend half the week rebuilding the forecast by hand",
        "challenges",
    ),
    (
        "for a clinic your size that usually shows up as empty chairs and overtime at the front desk",
        "challenges",
    ),
    # teaching
    ("the first decision you'll need to make is whether billing stays in house or not", "teaching"),
    ("my recommendation is we get your it lead and your controller on a call next tuesday", "teaching"),
    # neutral
    ("can you hear me okay", "neutral"),
    ("okay got it", "neutral"),
    ("which erp are you on today", "neutral"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_labels(detector: OneDownDetector, text: str, expected: str) -> None:
    label = detector.classify(text, MID)
    assert label.label == expected, (text, label)
    assert label.stance == STANCES[expected]
    assert 0.0 < label.confidence <= 1.0
    # Why: the rep's own words (a cue), or for a similarity verdict the example it is "like".
    assert normalize(label.evidence) in normalize(text)
    assert label.evidence or label.like or expected == "neutral"


NEAR_MISSES: list[tuple[str, str, str, str]] = [
    # factual question vs pain probe
    (
        "how many warehouses are you running",
        "neutral",
        "what's the hardest part of running that many warehouses",
        "pain_probe",
    ),
    # "we" as perspective vs credibility
    (
        "what we're seeing across hospitals is nurse turnover roughly doubling",
        "perspective",
        "we've been serving hospitals for twenty five years and we're the market leader",
        "credibility",
    ),
    # teaching next step vs buyer-led next step
    (
        "i'd suggest we book a working session with your finance lead on thursday",
        "teaching",
        "just let me know what you'd like the next step to be",
        "buyer_led",
    ),
    # challenges stated vs asked
    (
        "i'd guess your team is losing a day every month end to reconciling spreadsheets",
        "challenges",
        "what challenges are you running into with month end close",
        "pain_probe",
    ),
]


@pytest.mark.parametrize(("one", "one_label", "other", "other_label"), NEAR_MISSES)
def test_near_misses(
    detector: OneDownDetector, one: str, one_label: str, other: str, other_label: str
) -> None:
    assert detector.classify(one, MID).label == one_label
    assert detector.classify(other, MID).label == other_label


def test_asr_noise_does_not_change_the_verdict(detector: OneDownDetector) -> None:
    clean = detector.classify("What keeps you up at night?", MID)
    noisy = detector.classify("um uh so what keeps you know what keeps you up at night", MID)
    assert clean.label == noisy.label == "pain_probe"


def test_call_time_moves_rapport(detector: OneDownDetector) -> None:
    text = "so how's your week been treating you"
    early = detector.scores(text, Context(call_time=0.0))["rapport"]
    late = detector.scores(text, Context(call_time=25 * 60.0))["rapport"]
    assert early > late


def test_nudges_follow_the_stance(detector: OneDownDetector) -> None:
    down = detector.classify("so what are your biggest pain points", MID)
    up = detector.classify("the mistake most teams make is picking the tool before fixing the process", MID)
    neutral = detector.classify("sure sounds good", MID)
    assert down.stance == "one-down" and down.nudge
    assert up.stance == "one-up" and up.nudge
    assert neutral.nudge is None


def test_same_label_twice_gets_a_different_nudge(detector: OneDownDetector) -> None:
    first = detector.classify("what keeps you up at night", MID)
    second = detector.classify("what are your biggest challenges this year", MID)
    assert first.label == second.label == "pain_probe"
    assert first.nudge != second.nudge


def test_cue_span_is_the_evidence(detector: OneDownDetector) -> None:
    label = detector.classify("honestly whatever works for you works for me", MID)
    assert label.label == "buyer_led"
    assert label.evidence in "honestly whatever works for you works for me"


def test_empty_text_is_neutral(detector: OneDownDetector) -> None:
    label = detector.classify("  um  ", MID)
    assert (label.label, label.nudge) == ("neutral", None)
