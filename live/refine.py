"""The refine pass: re-transcribe finalized speech with context, for the saved transcript.

The live pass decodes one utterance at a time, cut by the VAD, so a short turn has
no context, a soft first word can be clipped and a noisy turn can go wrong. Here each
speaker's finalized utterances are grouped into windows of up to ``window_s`` seconds of
their own audio (several utterances), and the channel's real audio of those utterances is
decoded again as offline transcription would (temperature fallback, conditioning on the
window's earlier text, word timestamps). A pause longer than ``KEEP_PAUSE_S`` is cut down to
the margins around the utterances: on a two-channel call half of each channel is the other
speaker's turns, silence here, and decoding it cost an encoder pass per 30 s for no words.
Each word goes back to the utterance whose time span it falls in. The audio lives in memory
only (``ChannelTail``: the last ``KEEP_S`` seconds per channel), never on disk.

Pure and byte-string testable: ``RefineWindows`` groups utterances into jobs,
``ChannelTail`` keeps and cuts audio, ``map_words`` reads the words back. The model
work happens in the model worker (``live.worker``), behind finals and partials.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np

from core.events import SAMPLE_RATE, Speaker
from live.guards import LOOP, implausible, words

MAX_SPAN_S = 60.0
"""Call time a window may cover (first utterance's start to last one's end, the pauses that are cut
out included): its audio must still be in the channel's tail when the window closes."""
KEEP_S = 120.0
"""Audio kept per channel for refinement: a window's span (<= ``MAX_SPAN_S``) plus how far the model
may lag the source (file mode queues at most 4 finals, <= 60 s); 2 channels x 120 s = 7.7 MB."""
MARGIN_BEFORE_S = 0.3
MARGIN_AFTER_S = 0.5
"""Audio kept around each utterance: the VAD may have clipped a soft word."""
KEEP_PAUSE_S = 2.0
"""A pause between two utterances up to this long stays whole in a window; a longer one is cut down
to the two margins."""
MIN_WORD_PROBABILITY = 0.75
"""Mean word probability below which a revision is not trusted. Measured on real speech under 0 dB
babble: revisions of clean utterances scored 0.89-0.99, of babble-drowned ones 0.45-0.67 (words
guessed out of noise, which made the saved text worse than the live one)."""
REFINE_BEAM = 1
"""Beam width of the refine pass. Measured on 30 clips of ../shared/speech with 28 s windows and
context: beam 5 and greedy gave the same WER (6.51%), and beam 5 held ~70 MB more memory that grew
with the longest window decoded (the soak test saw it), so the refine pass decodes greedily."""


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0
    """The decoder's probability for the word (low for words guessed out of noise)."""


@runtime_checkable
class WordTranscriber(Protocol):
    """A transcriber that can decode up to 30 s with word timestamps (the refine pass needs it)."""

    def warm_words(self) -> float:
        """Run one refine-sized decode before the call, so its buffers (long outputs, word alignment)
        are allocated up front: memory is flat from the first frame and the first window pays nothing."""
        ...

    def transcribe_words(self, audio: np.ndarray) -> list[Word]: ...


@dataclass(frozen=True, slots=True)
class Piece:
    """One finalized utterance waiting for its window (times are call time)."""

    id: int
    start: float
    end: float
    text: str


def kept_ranges(
    pieces: tuple[Piece, ...] | list[Piece], before: float | None = None, after: float | None = None
) -> list[tuple[float, float]]:
    """The call-time ranges of channel audio a window decodes: each utterance with its margins,
    merged with the previous one across a pause of at most ``KEEP_PAUSE_S``. The margins stop at
    ``before`` and ``after``: the end of the speaker's line before the window and the start of the
    one after it (``RefineJob.before_s``/``after_s``), so the window does not hear a neighbour's words
    and give them to its own first or last line."""
    out: list[tuple[float, float]] = []
    for p in pieces:
        a, b = max(0.0, p.start - MARGIN_BEFORE_S), p.end + MARGIN_AFTER_S
        if before is not None:
            a = min(p.start, max(a, before))
        if after is not None:
            b = max(p.end, min(b, after))
        if out and a - out[-1][1] <= KEEP_PAUSE_S - MARGIN_BEFORE_S - MARGIN_AFTER_S:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def audio_seconds(pieces: tuple[Piece, ...] | list[Piece]) -> float:
    """Seconds of audio a window of these utterances decodes."""
    return sum(b - a for a, b in kept_ranges(pieces))


@dataclass(frozen=True, slots=True)
class RefineJob:
    speaker: Speaker
    pieces: tuple[Piece, ...]
    pcm: bytes = b""
    """The channel's audio over ``ranges``, back to back (16 kHz int16), attached by the pipeline."""
    ranges: tuple[tuple[float, float], ...] = ()
    """Call-time (from, to) of each part of ``pcm``, in order (``kept_ranges`` as the tail had them)."""
    before_s: float | None = None
    """Where the speaker's line before this window ended (None: none, or unknown)."""
    after_s: float | None = None
    """Where the speaker's line after this window starts (None: none yet, the end of the call).
    Seen in the live demo call (Dec 5): with the 0.5 s margin running into the next line, a window
    ending with "Understood." heard the next line's first word and saved "Understood. So..." while
    the next line kept its "So". Measured in file mode on the six benchmark sets (saved transcript
    WER): the mono call 15.88 -> 15.54% ("two weeks ago I got a car" | "from" became "... a car from
    the dealership"; "Okay, so we would love" got its "Okay" back), the demo 11.33 -> 9.80%, the
    stereo call 18.06 -> 20.74% (three windows decoded differently from shorter audio, no word moved
    across a line), the rest unchanged: 214 word errors in 1,842 both ways."""

    def spans(self) -> list[tuple[int, float, float]]:
        """Each utterance's (id, from, to) in seconds from the start of ``pcm``."""
        out = []
        for p in self.pieces:
            offset = 0.0
            for a, b in self.ranges:
                if a <= p.start + 1e-6 and p.end <= b + 1e-6:
                    out.append((p.id, offset + p.start - a, offset + p.end - a))
                    break
                offset += b - a
        return out


class RefineWindows:
    """Per speaker, finalized utterances until they fill a window; thread-safe."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._pending: dict[Speaker, list[Piece]] = {}
        self._sent_end: dict[Speaker, float] = {}
        """The end of each speaker's last line already sent in a job (the next job's ``before_s``)."""
        self._lock = threading.Lock()

    def add(self, speaker: Speaker, piece: Piece) -> RefineJob | None:
        """Keep ``piece``; return the speaker's earlier pieces as a job when this one would overfill
        them (``window_s`` of audio, or ``MAX_SPAN_S`` of call time)."""
        with self._lock:
            pending = self._pending.setdefault(speaker, [])
            job = None
            if pending and (
                audio_seconds([*pending, piece]) > self.window_s
                or piece.end - pending[0].start + MARGIN_BEFORE_S + MARGIN_AFTER_S > MAX_SPAN_S
            ):
                job = RefineJob(
                    speaker, tuple(pending), before_s=self._sent_end.get(speaker), after_s=piece.start
                )
                self._sent_end[speaker] = pending[-1].end
                pending.clear()
            pending.append(piece)
            return job

    def flush(self) -> list[RefineJob]:
        """Every speaker's remaining utterances (the end of the call)."""
        with self._lock:
            jobs = [
                RefineJob(s, tuple(p), before_s=self._sent_end.get(s)) for s, p in self._pending.items() if p
            ]
            self._pending.clear()
        return jobs


class ChannelTail:
    """The last ``keep_s`` seconds of one channel's audio, to cut refine windows from; thread-safe
    (the ingest thread appends, the model worker cuts)."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        self._keep = int(keep_s * SAMPLE_RATE)
        self._buf = bytearray()
        self._start = 0.0
        """Call time of the first sample in ``_buf``."""
        self._lock = threading.Lock()

    def append(self, start: float, pcm: bytes) -> None:
        with self._lock:
            if not self._buf:
                self._start = start
            else:  # keep the timeline exact even if a frame went missing (paused audio is dropped)
                expected = self._start + len(self._buf) / (2 * SAMPLE_RATE)
                gap = round((start - expected) * SAMPLE_RATE)
                if gap > 0:
                    self._buf += bytes(2 * gap)
            self._buf += pcm
            extra = len(self._buf) // 2 - self._keep
            if extra > 0:
                del self._buf[: 2 * extra]
                self._start += extra / SAMPLE_RATE

    def cut(self, t0: float, t1: float) -> tuple[bytes, float]:
        """Audio from call time ``t0`` to ``t1`` (clipped to what is kept) and its start time."""
        with self._lock:
            a = max(0, round((t0 - self._start) * SAMPLE_RATE))
            b = max(a, round((t1 - self._start) * SAMPLE_RATE))
            return bytes(self._buf[2 * a : 2 * b]), self._start + a / SAMPLE_RATE


def with_audio(job: RefineJob, tail: ChannelTail) -> RefineJob:
    """``job`` with its channel's audio over ``kept_ranges`` cut from ``tail``, back to back."""
    parts: list[bytes] = []
    ranges: list[tuple[float, float]] = []
    for a, b in kept_ranges(job.pieces, job.before_s, job.after_s):
        pcm, at = tail.cut(a, b)
        parts.append(pcm)
        ranges.append((at, at + len(pcm) / (2 * SAMPLE_RATE)))
    return replace(job, pcm=b"".join(parts), ranges=tuple(ranges))


def job_audio(job: RefineJob) -> tuple[np.ndarray, list[tuple[int, float, float]]]:
    """The window's audio (float32) and each utterance's span in it, in seconds from its start."""
    audio = np.frombuffer(job.pcm, dtype="<i2").astype(np.float32) / 32768.0
    return audio, job.spans()


def covers(job: RefineJob) -> bool:
    """Whether the attached audio still holds every utterance of the window (it may have been
    dropped from the tail when the model lagged far behind)."""
    return bool(job.pieces) and len(job.spans()) == len(job.pieces)


def map_words(words: list[Word], spans: list[tuple[int, float, float]]) -> dict[int, list[Word]]:
    """Each word goes to the utterance its middle falls in (or the nearest one, for a pause)."""
    found: dict[int, list[Word]] = {uid: [] for uid, _, _ in spans}
    for w in words:
        mid = (w.start + w.end) / 2
        nearest = min(
            spans, key=lambda s: 0.0 if s[1] <= mid <= s[2] else min(abs(mid - s[1]), abs(mid - s[2]))
        )
        found[nearest[0]].append(w)
    return found


def joined(words: list[Word]) -> str:
    """Whisper's words carry their own leading space ("o" + "'clock" must stay "o'clock")."""
    return "".join(w.text for w in words).strip()


def mean_probability(words: list[Word]) -> float:
    return sum(w.probability for w in words) / len(words) if words else 0.0


def _plain(text: str) -> str:
    return " ".join(words(text))


def acceptable_revision(old: str, new: str, seconds: float, probability: float = 1.0) -> bool:
    """Whether a refined text should replace the live one: it differs, the decoder was sure of its
    words, it is no loop, and it keeps at least half of the live words (a context decode that lost
    a sentence is not an improvement)."""
    if not new or _plain(new) == _plain(old) or probability < MIN_WORD_PROBABILITY:
        return False
    if implausible(new, seconds) == LOOP:
        return False
    return len(words(new)) >= 0.5 * len(words(old))
