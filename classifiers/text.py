"""Normalising ASR text so that cues, n-grams and embeddings see the same words.

Speech recognition gives mixed case, fillers and stray punctuation; none of
that carries the rep's stance, and leaving it in makes cue rules brittle.
"""

from __future__ import annotations

import re

_FILLERS = re.compile(r"\b(?:u+m+|u+h+|e+r+m*|h+m+|a+h+|mm+)\b[,.]?\s*", re.IGNORECASE)
_PUNCT = re.compile(r"[^\w'?%$ ]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, drop filler sounds and punctuation (keeping ``?``, ``'``, ``%``, ``$``)."""
    out = text.lower().replace("’", "'")
    out = _FILLERS.sub(" ", out)
    out = _PUNCT.sub(" ", out)
    return _SPACES.sub(" ", out).strip()


def word_count(text: str) -> int:
    """Words the rep said, fillers excluded (the nudge policy gates on it)."""
    return len(normalize(text).replace("?", " ").split())
