"""Call-level coaching signals, updated per utterance.

Talk time counts voiced speech only (VAD frames), not the padding around it.
A rep monologue runs until the prospect says something substantial (a quick
"mm-hmm" doesn't end it). Patience is the pause the rep leaves after the
prospect stops before answering.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from core.config import CoachConfig
from core.events import Coaching, Label, Utterance
from core.text import count_questions

BACKCHANNEL_S = 1.0
"""Prospect speech shorter than this (voiced) doesn't interrupt a rep monologue."""


class CoachingTracker:
    """Accumulates utterances into the signals the UI shows and the summary keeps."""

    def __init__(self, config: CoachConfig, rep_only: bool = False) -> None:
        self._cfg = config
        self._rep_only = rep_only
        self.talk = {"rep": 0.0, "prospect": 0.0}
        self.labels: Counter[str] = Counter()
        self.unsure = 0
        """Rep lines shown as neutral because the detector was not sure (also counted as neutral)."""
        self.stances: Counter[str] = Counter()
        self.questions = 0
        self._pauses: list[float] = []
        self._mono_start: float | None = None
        self._mono_end = 0.0
        self.longest_monologue_s = 0.0
        self._last_prospect_end: float | None = None
        self._prospect_since_rep = False
        self.end = 0.0

    def add(self, u: Utterance) -> Coaching:
        self.end = max(self.end, u.end)
        self.talk[u.speaker] += u.voiced_s
        if u.speaker == "prospect":
            if u.voiced_s >= BACKCHANNEL_S:
                self._mono_start = None
            self._last_prospect_end = u.end
            self._prospect_since_rep = True
        else:
            if self._prospect_since_rep and self._last_prospect_end is not None:
                self._pauses.append(max(0.0, u.start - self._last_prospect_end))
            self._prospect_since_rep = False
            if self._mono_start is None:
                self._mono_start = u.start
            self._mono_end = u.end
            self.longest_monologue_s = max(self.longest_monologue_s, self.current_monologue_s)
            self.questions += count_questions(u.text)
            if u.label is not None:
                self.labels[u.label.label] += 1
                self.stances[u.label.stance] += 1
                self.unsure += u.label.unsure
        return self.snapshot()

    @property
    def current_monologue_s(self) -> float:
        return 0.0 if self._mono_start is None else self._mono_end - self._mono_start

    @property
    def rep_share(self) -> float | None:
        total = self.talk["rep"] + self.talk["prospect"]
        if self._rep_only or total <= 0:
            return None
        return self.talk["rep"] / total

    @property
    def patience_s(self) -> float | None:
        return sum(self._pauses) / len(self._pauses) if self._pauses else None

    def snapshot(self) -> Coaching:
        cur = self.current_monologue_s
        return Coaching(
            rep_s=round(self.talk["rep"], 2),
            prospect_s=round(self.talk["prospect"], 2),
            rep_share=self.rep_share,
            target_share=self._cfg.target_rep_share,
            target_band=self._cfg.target_band,
            current_monologue_s=round(cur, 2),
            longest_monologue_s=round(self.longest_monologue_s, 2),
            monologue_alert=cur >= self._cfg.monologue_alert_s,
            questions=self.questions,
            patience_s=self.patience_s,
            labels=dict(self.labels),
            one_down=self.stances["one-down"],
            one_up=self.stances["one-up"],
        )

    def revise(self, u: Utterance, text: str, label: Label | None) -> None:
        """A revision gave utterance ``u`` (as counted) new words and a new verdict: move its counts,
        questions included, so the summary counts what the saved transcript says (talk time is
        unchanged)."""
        if u.speaker == "rep":
            self.questions += count_questions(text) - count_questions(u.text)
        for verdict, step in ((u.label, -1), (label, 1)):
            if verdict is not None:
                self.labels[verdict.label] += step
                self.stances[verdict.stance] += step
                self.unsure += step * verdict.unsure
        self.labels += Counter()  # drop labels counted down to zero

    def summary(self, duration_s: float) -> dict[str, Any]:
        share = self.rep_share
        patience = self.patience_s
        return {
            "type": "summary",
            "duration_s": round(max(duration_s, self.end), 3),
            "talk_time": {k: round(v, 3) for k, v in self.talk.items()},
            "rep_share": None if share is None else round(share, 4),
            "target_rep_share": self._cfg.target_rep_share,
            "target_band": self._cfg.target_band,
            "longest_rep_monologue_s": round(self.longest_monologue_s, 3),
            "questions": self.questions,
            "patience_s": None if patience is None else round(patience, 3),
            "labels": dict(sorted(self.labels.items())),
            "one_down": self.stances["one-down"],
            "one_up": self.stances["one-up"],
            "unsure": self.unsure,
        }
