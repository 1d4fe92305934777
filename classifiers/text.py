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


def cue_words(phrase: str) -> list[str]:
    """A user's cue phrase as it is matched: its normalised words, question marks dropped (none: the
    phrase is only fillers or punctuation)."""
    return normalize(phrase).replace("?", "").split()


def word_count(text: str) -> int:
    """Words the rep said, fillers excluded (the nudge policy gates on it)."""
    return len(normalize(text).replace("?", " ").split())


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
MAX_PARTS = 8
"""More sentences than this in one utterance are judged in merged pairs (bounded cost per utterance)."""


def split_parts(text: str) -> list[str]:
    """The sentences of a turn, as Whisper punctuated them (one part when it did not).

    A one-word fragment ("Sure.", "Okay.") joins the sentence after it: it carries no
    stance of its own and would only add a neutral vote.
    """
    pieces = [p.strip() for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    parts: list[str] = []
    carry = ""
    for piece in pieces:
        merged = f"{carry} {piece}".strip()
        if len(normalize(merged).replace("?", " ").split()) <= 1:
            carry = merged
            continue
        parts.append(merged)
        carry = ""
    if carry:
        if parts:
            parts[-1] = f"{parts[-1]} {carry}"
        else:
            parts.append(carry)
    while len(parts) > MAX_PARTS:
        parts = [" ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
    return parts or [text.strip()]
