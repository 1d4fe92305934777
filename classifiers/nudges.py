"""What the rep sees: One-Up alternatives for One-Down labels, reinforcement for One-Up.

Every line is short (<= 90 characters, it is read mid-sentence) and concrete,
following the taxonomy: swap asking/needing for knowing. ``NudgeRotator`` varies
them so the same line never shows twice in a row, which reps quickly tune out.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

MAX_NUDGE_CHARS = 90

NUDGES: dict[str, tuple[str, ...]] = {
    "rapport": (
        "Skip the small talk: open with one change you see hitting their industry.",
        "Earn attention with an insight, not chit-chat: what's shifting in their market?",
        "Lead with why now: a trend you see at companies like theirs this year.",
        "Trade the weather for a number: one stat about their industry they'd want.",
    ),
    "credibility": (
        "Drop the 'why us': share what you're seeing across their industry instead.",
        "Show expertise, don't claim it: name a trend and what it does to firms like theirs.",
        "Logos don't land; insight does. Tell them a risk peers of theirs are facing.",
        "Replace the company story with one external force that hits their business.",
    ),
    "pain_probe": (
        "Don't ask for their pain: say why companies like theirs usually have it.",
        "State the likely challenge: 'most teams your size are finding that...'",
        "Offer the insight first: what force is causing this, then check if it fits.",
        "Swap the question for a hypothesis: 'I'd guess this shows up as...'",
    ),
    "solution_pitch": (
        "Hold the features: name the challenge it solves for companies like theirs.",
        "Before the product, the problem: what's changing that makes this matter now?",
        "Teach, don't pitch: what should they weigh when they fix this?",
        "Tie it to their world: the external force, then the impact, then the fix.",
    ),
    "neediness": (
        "Ask for nothing: recommend the next step and why it helps them.",
        "Drop the favour: state what the right next step is and who should join.",
        "Lead with value: tell them what they'd learn in the next meeting.",
        "Skip the check-in: bring a new insight that earns the reply.",
    ),
    "buyer_led": (
        "Lead the process: recommend the next step and who should be in it.",
        "Don't wait to be told: name the decision they need to make first.",
        "Teach them to buy: lay out the factors to weigh and the order to decide.",
        "Propose a date and an agenda instead of 'whatever works for you'.",
    ),
    "perspective": (
        "Good: an outside insight. Next, tie it to their specific situation.",
        "Nice, that's One-Up. Now connect the trend to what it costs them.",
        "Strong perspective. Pause and let them react.",
    ),
    "challenges": (
        "Good: you stated their challenge. Let them confirm or correct it.",
        "Nice, One-Up. Quantify the impact if you can.",
        "Strong: naming the problem builds trust. Pause for their reaction.",
    ),
    "teaching": (
        "Good: you're leading the buying process. Confirm the next step and date.",
        "Nice, One-Up. Name who else should be in the decision.",
        "Strong teaching. Check they agree with the order of decisions.",
    ),
}


class NudgeRotator:
    """Cycles each label's lines and never repeats the previous line, even across labels."""

    def __init__(self, bank: Mapping[str, Sequence[str]]) -> None:
        self._bank = {label: tuple(lines) for label, lines in bank.items() if lines}
        self._next_index: dict[str, int] = {}
        self._last: str | None = None
        self._lock = threading.Lock()

    def labels(self) -> set[str]:
        return set(self._bank)

    def next(self, label: str) -> str | None:
        """The next line for ``label`` (None when the label has no nudges, e.g. neutral)."""
        lines = self._bank.get(label)
        if not lines:
            return None
        with self._lock:
            index = self._next_index.get(label, 0)
            line = lines[index % len(lines)]
            if line == self._last and len(lines) > 1:
                index += 1
                line = lines[index % len(lines)]
            self._next_index[label] = index + 1
            self._last = line
            return line


def merged_bank(extra: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Built-in nudges plus the user's (user lines first: they asked for them)."""
    bank = {label: tuple(lines) for label, lines in NUDGES.items()}
    for label, lines in extra.items():
        bank[label] = (*lines, *bank.get(label, ()))
    return bank
