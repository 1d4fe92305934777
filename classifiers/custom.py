"""Applying the user's rules at classify time: phrase cues and nearest example sentences.

User cues are hard overrides (the user asked for exactly that phrase to mean
that label); user examples override only when the utterance is very close to
one of them, since a loose match would let one example swallow whole topics.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from classifiers.rules import UserLabel, UserRules
from classifiers.text import cue_words, normalize

Encode = Callable[[list[str]], np.ndarray]


class UserMatcher:
    """Matches normalised utterances against the user's cue phrases and example sentences."""

    def __init__(self, rules: UserRules) -> None:
        self.rules = rules
        self._cues: list[tuple[re.Pattern[str], str, UserLabel]] = []
        for label in rules.labels:
            for phrase in label.cues:
                words = cue_words(phrase)
                if words:
                    pattern = re.compile(r"\b" + r"\s+".join(re.escape(w) for w in words) + r"\b")
                    self._cues.append((pattern, phrase, label))
        self._examples: list[tuple[str, UserLabel]] = [
            (example, label) for label in rules.labels for example in label.examples
        ]
        self._vectors: np.ndarray | None = None

    @property
    def has_examples(self) -> bool:
        return bool(self._examples)

    def match_cue(self, text: str) -> tuple[UserLabel, str] | None:
        """The user label whose longest cue phrase occurs in ``text``, with the matched span."""
        norm = normalize(text)
        best: tuple[UserLabel, str] | None = None
        for pattern, _phrase, label in self._cues:
            found = pattern.search(norm)
            if found and (best is None or len(found.group(0)) > len(best[1])):
                best = (label, found.group(0))
        return best

    def prepare(self, encode: Encode) -> None:
        """Embed the example sentences once (called from the detector's warm())."""
        if self._vectors is None and self._examples:
            self._vectors = encode([normalize(text) or text for text, _ in self._examples])

    def nearest(self, vector: np.ndarray) -> tuple[UserLabel, str, float] | None:
        """The user example above the similarity threshold closest to ``vector``, if any."""
        if self._vectors is None or not len(self._vectors):
            return None
        sims = self._vectors @ vector
        best = int(np.argmax(sims))
        if float(sims[best]) < self.rules.example_similarity:
            return None
        text, label = self._examples[best]
        return label, text, float(sims[best])
