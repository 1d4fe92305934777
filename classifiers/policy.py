"""Nudge discipline for the live view: when a nudge is worth interrupting the rep for.

The detector labels every utterance and the journal keeps every nudge; this
class only decides what is *shown*, because a coach that flashes on every
sentence gets ignored. It is stateful (one instance per call) and cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from classifiers.text import word_count
from core.config import NudgePolicyConfig
from core.events import Label


@dataclass
class NudgePolicy:
    """Decides, utterance by utterance, whether the live view shows ``label.nudge``."""

    config: NudgePolicyConfig = field(default_factory=NudgePolicyConfig)
    _last_shown_at: dict[str, float] = field(default_factory=dict, init=False)
    _current_until: float = field(default=float("-inf"), init=False)
    _last_text: str | None = field(default=None, init=False)

    def decide(self, label: Label, text: str, call_time: float) -> bool:
        """True when the nudge should be shown now; showing it starts the cooldowns."""
        if not self._eligible(label, text, call_time):
            return False
        self._last_shown_at[label.label] = call_time
        self._current_until = call_time + self.config.display_s
        self._last_text = label.nudge
        return True

    def _eligible(self, label: Label, text: str, call_time: float) -> bool:
        cfg = self.config
        if label.nudge is None or label.stance not in cfg.stances:
            return False
        if label.confidence < cfg.min_confidence or word_count(text) < cfg.min_words:
            return False
        if call_time < self._current_until or label.nudge == self._last_text:
            return False
        cooldown = cfg.one_up_cooldown_s if label.stance == "one-up" else cfg.label_cooldown_s
        last = self._last_shown_at.get(label.label)
        return last is None or call_time - last >= cooldown

    def reset(self) -> None:
        """Forget the call so far (a new call starts)."""
        self._last_shown_at.clear()
        self._current_until = float("-inf")
        self._last_text = None
