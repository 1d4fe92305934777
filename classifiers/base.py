"""The classifier seam: what the pipeline needs from a One-Down detector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.events import Label


@dataclass(frozen=True, slots=True)
class Context:
    """What the detector may know besides the text itself."""

    call_time: float = 0.0
    """Seconds since the call started (rapport at minute 0 differs from minute 20)."""
    prospect_prev: str | None = None
    """The prospect's most recent utterance before this one, if any."""
    turn_prev: str | None = None
    """The rep's previous line of the same turn, when a turn is written sentence by sentence (a
    sentence alone can read as a pitch that, after the sentence before it, carries out a One-Up move)."""


class Classifier(Protocol):
    """Labels one rep utterance. Must be cheap (it runs once per utterance) and pure."""

    def warm(self) -> None:
        """Load whatever the first ``classify`` would load, before the call starts."""
        ...

    def classify(self, text: str, context: Context) -> Label: ...
