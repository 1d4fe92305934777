"""Reference-anchored sentence latency: when did the words of each spoken sentence reach the transcript?

A reference sentence is its words and the call time it ended. The transcript is its lines,
each with its words and ``emitted_at`` (the call time the line was written). The two word
sequences are aligned (normalized as for WER); a sentence's latency is the emission time of
the line holding the last reference word that was recognized, minus the sentence's end.
Sentences with no recognized word are counted as missed, not as fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import pairwise

from core.text import sentence_ends
from tuning.wer import normalize


@dataclass(frozen=True, slots=True)
class RefSentence:
    text: str
    end: float
    """Call time (s) the sentence's last word ended."""


@dataclass(frozen=True, slots=True)
class EmittedLine:
    text: str
    emitted_at: float
    """Call time (s) the line was written."""


def sentence_latencies(refs: Sequence[RefSentence], lines: Sequence[EmittedLine]) -> list[float | None]:
    """One latency per reference sentence, in order; None where no word of it was recognized."""
    held = completing_lines(refs, lines)
    return [
        None if i is None else round(lines[i].emitted_at - r.end, 3) for i, r in zip(held, refs, strict=True)
    ]


def completing_lines(refs: Sequence[RefSentence], lines: Sequence[EmittedLine]) -> list[int | None]:
    """For each reference sentence, the index of the last-emitted line holding one of its recognized
    words (the line that completed it); None where no word of it was recognized."""
    ref_words: list[str] = []
    owner: list[int] = []
    for i, r in enumerate(refs):
        words = normalize(r.text)
        ref_words += words
        owner += [i] * len(words)
    hyp_words: list[str] = []
    line_of: list[int] = []
    for n, line in enumerate(lines):
        words = normalize(line.text)
        hyp_words += words
        line_of += [n] * len(words)
    last: list[int | None] = [None] * len(refs)
    matcher = SequenceMatcher(None, ref_words, hyp_words, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, n = owner[block.a + k], line_of[block.b + k]
            now = last[i]
            if now is None or lines[n].emitted_at >= lines[now].emitted_at:
                last[i] = n
    return last


def split_sentences(words: Sequence[tuple[str, float]]) -> list[RefSentence]:
    """(word, end time) pairs, as a word-timestamped decode gives them, cut into sentences where the
    live lines are cut too (``core.text.sentence_ends``: not after "Mr.", not before a lower-case
    word)."""
    bounds = [0, *(k + 1 for k in sentence_ends([w for w, _ in words])), len(words)]
    return [
        RefSentence(" ".join(w.strip() for w, _ in words[a:b]), words[b - 1][1])
        for a, b in pairwise(bounds)
        if b > a
    ]
