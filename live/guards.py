"""Plausibility of a decoded utterance: repetition loops and early stops, judged from the text alone.

Greedy Whisper decoding can loop ("i am the team i am the team ...") on noise, or stop
after two words of an 11-second sentence. Offline faster-whisper catches the first with
its compression-ratio check and temperature fallback; the live pass decodes one
utterance at a time, so it checks here and the transcriber retries (``live.transcriber``).
Pure functions over text, so they are tested without a model.
"""

from __future__ import annotations

import math
import re
import statistics
import zlib
from collections import deque

LOOP = "repetition"
EARLY_STOP = "too few words"

COMPRESSION_LIMIT = 2.4
"""gzip compression ratio above which text is a loop (faster-whisper's own default threshold)."""
MAX_WORDS_PER_S = 6.0
"""Nobody speaks faster than about 5-6 words per second; more is repetition."""
MIN_WORDS_PER_S = 0.6
"""Fewer words than this per second of audio, in an utterance of at least ``MIN_SECONDS_FOR_FEW``,
is an early stop (speech runs at 2-3 words per second; the VAD cut out the pauses)."""
MIN_SECONDS_FOR_FEW = 4.0
SPARSE_WORDS_PER_S = 1.5
"""A short encoder window (``model.encoder_window_s``) now and then hears less of an utterance than
the full one: its first words ("In 1665, written by ..." -> "written by ..."), or nothing under
loud babble. Text under this many words per second (speech runs at 2-3) in ``SPARSE_MIN_S`` or
more, or no words in a second or more, is decoded again in the full window (``sparse``)."""
SPARSE_MIN_S = 2.0
RECENT_DECODES = 8
"""How many of a channel's latest decodes its usual confidence is taken from (``ChannelConfidence``)."""
RECENT_MIN = 4
"""Decodes a channel needs before its usual confidence counts (before that: the fixed bar alone)."""
MAX_TOKENS_PER_S = 12
"""Tokens a decode may write per second of its audio (speech is 4-6: 2-3 words of about 1.3 tokens,
and punctuation). Noise and hum decode as hundreds of "." or a phrase looped up to the model's 448
tokens, and every fallback temperature writes them again: measured on 24 s of mains hum, 80 CPU-s
through the live pass, nearly all of it in the decoder writing dots nobody keeps."""
TOKEN_BUDGET_BASE = 24
MAX_TOKENS = 440
"""Whisper's 448 tokens less the decode's own prompt (start, language, task, no-timestamps)."""
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
"""The retry for a loop: faster-whisper moves on to the next temperature while the text
compresses too well or its log-probability is too low."""

_WORD = re.compile(r"[\w']+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def repeated_run(tokens: list[str], min_total: int = 8) -> bool:
    """The same phrase (1-8 words) said again and again back to back, covering ``min_total`` words:
    "i am the team i am the team ...". Parallel phrasing with changing words ("some in their birth,
    some in their skill, ...") is not a loop."""
    size = len(tokens)
    for n in range(1, 9):
        for i in range(0, size - 2 * n + 1):
            k = 1
            while i + (k + 1) * n <= size and tokens[i + k * n : i + (k + 1) * n] == tokens[i : i + n]:
                k += 1
            if k >= (6 if n == 1 else 3) and k * n >= min_total:
                return True
    return False


def implausible(text: str, seconds: float) -> str | None:
    """``LOOP``, ``EARLY_STOP`` or None for text decoded from ``seconds`` of audio."""
    tokens = words(text)
    if tokens and (
        len(tokens) > MAX_WORDS_PER_S * max(seconds, 1.0)
        or (len(text) > 60 and compression_ratio(text) > COMPRESSION_LIMIT)
        or repeated_run(tokens)
    ):
        return LOOP
    if seconds >= MIN_SECONDS_FOR_FEW and len(tokens) < MIN_WORDS_PER_S * seconds:
        return EARLY_STOP
    return None


def token_budget(seconds: float) -> int:
    """The most tokens a decode of ``seconds`` of audio may write (``MAX_TOKENS_PER_S``): twice what
    the fastest speech needs, so a loop or a run of dots ends early and costs little, and a guard
    still sees it (a capped loop is still a loop; capped dots are still wordless)."""
    return min(MAX_TOKENS, TOKEN_BUDGET_BASE + math.ceil(MAX_TOKENS_PER_S * max(seconds, 0.0)))


def sparse(text: str, seconds: float) -> bool:
    """Fewer words than ``seconds`` of speech should hold: worth a second look in the full window."""
    n = len(words(text))
    return (n == 0 and seconds >= 1.0) or (seconds >= SPARSE_MIN_S and n < SPARSE_WORDS_PER_S * seconds)


def trim_repetition(text: str, seconds: float) -> tuple[str, str]:
    """The last resort for a loop that survived the retries: keep the text up to where it starts
    repeating, capped at the most words anyone says in ``seconds``; return (kept, dropped)."""
    parts = text.split()
    limit = int(MAX_WORDS_PER_S * max(seconds, 1.0))
    seen: dict[tuple[str, ...], int] = {}
    cut = len(parts)
    for i in range(len(parts) - 2):
        key = tuple(w.lower().strip(".,!?") for w in parts[i : i + 3])
        if key in seen and i - seen[key] >= 1:
            cut = i
            break
        seen.setdefault(key, i)
    cut = min(cut, limit)
    return " ".join(parts[:cut]), " ".join(parts[cut:])


class ChannelConfidence:
    """What one channel's latest decodes scored (average log-probability), for the second-look bar
    (``doubtful``). Session state: the worker keeps one per speaker and hands it to each decode."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=RECENT_DECODES)
        self._recorded = 0

    def doubtful(self, logprob: float | None, bar: float, margin: float) -> bool:
        """Under ``bar`` and, once the channel has ``RECENT_MIN`` decodes, more than ``margin`` under
        their median (0: ``bar`` alone); then ``logprob`` is remembered. A phone line is heard at
        -0.5 to -1.0 throughout, and there the full window rarely does better on a typical line:
        only its outliers are looked at again, while a clean channel keeps the fixed bar."""
        if logprob is None:
            return False
        if margin > 0 and len(self._recent) >= RECENT_MIN:
            bar = min(bar, statistics.median(self._recent) - margin)
        self._recent.append(logprob)
        self._recorded += 1
        return logprob < bar

    @property
    def recorded(self) -> int:
        """Decodes recorded so far (less retracted ones): tells a caller whether a decode added one."""
        return self._recorded

    def retract(self) -> None:
        """Forget the latest decode: the same audio is being decoded again (a phrase's word-timed
        decode), and one phrase should count once."""
        if self._recent:
            self._recent.pop()
            self._recorded -= 1

    def __len__(self) -> int:
        return len(self._recent)
