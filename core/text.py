"""Text rules shared by the coaching signals, the sentence lines and the detector (one definition of a
question, one of a sentence end)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

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


_SENTENCE_END = re.compile(r"[.?!][\"')\]]*$")
_TITLE = re.compile(r"(?:^|[\s(\"'])(?:mr|mrs|ms|dr|prof|vs|e\.g|i\.e)\.$", re.IGNORECASE)
"""Words whose period is an abbreviation's, not a sentence's: "Thanks, Mr. Kelly." is one sentence."""


def ends_sentence(text: str) -> bool:
    """Whisper's punctuation says the text ends a sentence ("..." trails off, and "Mr." is a title:
    neither does)."""
    t = text.rstrip()
    return bool(_SENTENCE_END.search(t)) and not t.endswith("..") and not _TITLE.search(t)


def sentence_break(before: str, after: str) -> bool:
    """A sentence ends between two words: ``before`` ends one and ``after`` does not go on in lower
    case (Whisper capitalizes a new sentence; "over 400. warehouses and" is one sentence whose number
    it punctuated)."""
    return ends_sentence(before) and not after.lstrip()[:1].islower()


def sentence_ends(words: Sequence[str]) -> list[int]:
    """Indexes of the words after which a sentence ends and another word follows (``sentence_break``):
    the one place a sequence of words is cut into sentences."""
    return [k for k in range(len(words) - 1) if sentence_break(words[k], words[k + 1])]


_CLAUSE_END = re.compile(r"[,;:][\"')\]]*$")


def clause_ends(words: Sequence[str]) -> list[int]:
    """Indexes of the words after which a clause ends (a comma, semicolon or colon) and another word
    follows: where a run-on sentence that cannot wait any longer is cut best."""
    return [k for k in range(len(words) - 1) if _CLAUSE_END.search(words[k].rstrip())]


def sentences(text: str) -> list[str]:
    """The sentences of a text as Whisper punctuated it (see ``sentence_break``)."""
    tokens = text.split()
    bounds = [0, *(k + 1 for k in sentence_ends(tokens)), len(tokens)]
    return [" ".join(tokens[a:b]) for a, b in pairwise(bounds) if b > a]
