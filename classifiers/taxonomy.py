"""The fixed label set of ../shared/docs/one-down-taxonomy.md, in one place.

Every other module asks here for label names and stances so a typo cannot
create a label that the taxonomy does not have.
"""

from __future__ import annotations

from live.events import Stance

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
