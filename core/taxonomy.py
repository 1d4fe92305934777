"""The fixed label set of ../shared/docs/one-down-taxonomy.md, in one place.

Every other module asks here for label names and stances so a typo cannot
create a label that the taxonomy does not have.
"""

from __future__ import annotations

from core.events import Stance

ONE_DOWN: tuple[str, ...] = (
    "rapport",
    "credibility",
    "pain_probe",
    "solution_pitch",
    "neediness",
    "buyer_led",
)
ONE_UP: tuple[str, ...] = ("perspective", "challenges", "teaching")
NEUTRAL = "neutral"
LABELS: tuple[str, ...] = (*ONE_DOWN, *ONE_UP, NEUTRAL)

STANCES: dict[str, Stance] = {
    **{label: "one-down" for label in ONE_DOWN},
    **{label: "one-up" for label in ONE_UP},
    NEUTRAL: "neutral",
}


def stance_of(label: str) -> Stance:
    """The stance of a built-in label (KeyError for an unknown one, on purpose)."""
    return STANCES[label]


TITLES: dict[str, str] = {
    "rapport": "Small talk for rapport",
    "credibility": "“Why us” credibility pitch",
    "pain_probe": "Asking for their pain",
    "solution_pitch": "Pitching the product",
    "neediness": "Neediness: asking for what you need",
    "buyer_led": "Letting the buyer run the process",
    "perspective": "Perspective on external forces",
    "challenges": "Naming their challenges",
    "teaching": "Teaching them how to buy",
    "neutral": "Neutral",
}
"""Category names a manager reads; custom labels from a rules file show under their own name."""
ORDER = tuple(TITLES)


def title(label: str) -> str:
    return TITLES.get(label, label.replace("_", " ").capitalize())
