"""Word error rate with the normalization references need (case, punctuation, numbers).

Used by the tests and benchmarks that compare transcripts with reference text:
LibriSpeech writes "SIXTEEN SIXTY FIVE" where Whisper writes "1665".
"""

from __future__ import annotations

import re

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")


def _below_100(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    tens, ones = divmod(n, 10)
    return [_TENS[tens]] + ([_ONES[ones]] if ones else [])


def _cardinal(n: int) -> list[str]:
    if n < 100:
        return _below_100(n)
    if n < 1000:
        h, rest = divmod(n, 100)
        return [_ONES[h], "hundred"] + (_cardinal(rest) if rest else [])
    for size, word in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            head, rest = divmod(n, size)
            return _cardinal(head) + [word] + (_cardinal(rest) if rest else [])
    return [str(n)]


def number_words(token: str) -> list[str]:
    """'1665' -> sixteen sixty five (year style for 1100-1999); '42' -> forty two."""
    n = int(token)
    if 1100 <= n <= 1999 and n % 100:
        return _below_100(n // 100) + (_below_100(n % 100) if n % 100 >= 10 else ["oh", _ONES[n % 100]])
    return _cardinal(n)


def normalize(text: str) -> list[str]:
    text = text.lower().replace("%", " percent").replace("&", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text.replace("-", " "))
    words: list[str] = []
    for tok in text.split():
        tok = tok.strip("'")
        if not tok:
            continue
        m = _ORDINAL.match(tok)
        if tok.isdigit():
            words += number_words(tok)
        elif m:
            words += number_words(m.group(1))
        else:
            words.append(tok)
    return words


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """Total edits over total reference words (not the mean of per-file rates)."""
    edits = sum(edit_distance(normalize(r), normalize(h)) for r, h in pairs)
    return edits / max(1, sum(len(normalize(r)) for r, _ in pairs))
