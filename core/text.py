"""Text rules shared by the coaching signals and the detector (one definition of a question)."""

from __future__ import annotations

import re

_QUESTION_START = re.compile(
    r"^(?:so |and |but |um |uh |okay |ok |well |now )*(?:"
    # "what we're seeing is..." opens a statement: a wh-word straight before a subject pronoun.
    r"(?:who|whose|what|when|where|why|how|which)\b(?! (?:we|i|you|they|he|she|it|that|this)\b)"
    r"|(?:do|does|did|is|are|was|were|can|could|would|will|should|have|has|tell me|walk me)\b)",
    re.IGNORECASE,
)


def opens_as_question(text: str) -> bool:
    """An interrogative opening (ASR often drops the '?')."""
    return bool(_QUESTION_START.match(text.strip()))


def is_question(text: str) -> bool:
    """A question: Whisper punctuated it, or it opens like one."""
    stripped = text.strip()
    return stripped.endswith("?") or opens_as_question(stripped)


def count_questions(text: str) -> int:
    """Questions in an ASR line: each '?' when Whisper punctuates, else one for an interrogative opening."""
    marks = text.count("?")
    if marks:
        return marks
    return 1 if opens_as_question(text) else 0
