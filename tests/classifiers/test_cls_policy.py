"""Nudge discipline: one at a time, per-label cooldown, confidence and word-count gates."""

from __future__ import annotations

from classifiers.policy import NudgePolicy
from core.config import NudgePolicyConfig
from core.events import Label

LONG = "so what would you say keeps you up at night these days"


def _down(
    nudge: str = "Say why teams like theirs have it.", label: str = "pain_probe", conf: float = 0.9
) -> Label:
    return Label(label, "one-down", conf, "keeps you up at night", nudge)


def test_first_confident_nudge_is_shown() -> None:
    assert NudgePolicy().decide(_down(), LONG, 10.0)


def test_low_confidence_is_held_back() -> None:
    policy = NudgePolicy(NudgePolicyConfig(min_confidence=0.7))
    assert not policy.decide(_down(conf=0.69), LONG, 10.0)
    assert policy.decide(_down(conf=0.71), LONG, 11.0)


def test_short_utterance_is_held_back_and_fillers_do_not_count() -> None:
    policy = NudgePolicy(NudgePolicyConfig(min_words=4))
    assert not policy.decide(_down(), "um uh what's the pain", 10.0)
    assert policy.decide(_down(), "so what is the pain", 11.0)


def test_per_label_cooldown() -> None:
    policy = NudgePolicy(NudgePolicyConfig(label_cooldown_s=60.0, display_s=0.0))
    assert policy.decide(_down("first line"), LONG, 100.0)
    assert not policy.decide(_down("second line"), LONG, 159.0)
    assert policy.decide(_down("second line"), LONG, 160.0)


def test_cooldown_is_per_label() -> None:
    policy = NudgePolicy(NudgePolicyConfig(label_cooldown_s=60.0, display_s=0.0))
    assert policy.decide(_down("a"), LONG, 100.0)
    assert policy.decide(_down("b", label="neediness"), LONG, 101.0)


def test_one_nudge_at_a_time() -> None:
    policy = NudgePolicy(NudgePolicyConfig(display_s=10.0, label_cooldown_s=0.0))
    assert policy.decide(_down("a"), LONG, 100.0)
    assert not policy.decide(_down("b", label="neediness"), LONG, 105.0)
    assert policy.decide(_down("b", label="neediness"), LONG, 110.0)


def test_same_nudge_never_twice_in_a_row() -> None:
    policy = NudgePolicy(NudgePolicyConfig(display_s=0.0, label_cooldown_s=0.0))
    assert policy.decide(_down("same"), LONG, 100.0)
    assert not policy.decide(_down("same"), LONG, 500.0)
    assert policy.decide(_down("other"), LONG, 501.0)
    assert policy.decide(_down("same"), LONG, 502.0)


def test_neutral_and_missing_nudge_are_never_shown() -> None:
    policy = NudgePolicy()
    assert not policy.decide(Label("neutral", "neutral", 1.0, "okay", None), LONG, 10.0)
    assert not policy.decide(_down(nudge=None), LONG, 10.0)  # type: ignore[arg-type]


def test_one_up_praise_can_be_switched_off() -> None:
    praise = Label("teaching", "one-up", 0.95, "i'd recommend", "Good: you're leading.")
    assert NudgePolicy().decide(praise, LONG, 10.0)
    assert not NudgePolicy(NudgePolicyConfig(stances=("one-down",))).decide(praise, LONG, 10.0)


def test_held_back_nudge_does_not_start_cooldown() -> None:
    policy = NudgePolicy(NudgePolicyConfig(min_confidence=0.8, label_cooldown_s=60.0))
    assert not policy.decide(_down(conf=0.5), LONG, 100.0)
    assert policy.decide(_down(conf=0.9), LONG, 101.0)


def test_reset_forgets_the_call() -> None:
    policy = NudgePolicy(NudgePolicyConfig(label_cooldown_s=600.0))
    assert policy.decide(_down("a"), LONG, 100.0)
    policy.reset()
    assert policy.decide(_down("b"), LONG, 101.0)
