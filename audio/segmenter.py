"""Cut one channel's audio into utterances: a small VAD state machine.

Pure: it sees bytes and a ``is_speech(frame_bytes) -> bool`` function (webrtcvad
in production, anything in tests) and returns ``SpeechSegment`` values. Time is
call time derived from the frames themselves, so it behaves identically whether
audio arrives in real time or as fast as a file decodes.

States: QUIET (ring buffer of recent frames for pre-roll) -> SPEAKING once
``start_ms`` of voiced audio falls inside a short window -> back to QUIET after
``end_silence_ms`` of unvoiced frames (the utterance is emitted). Speech longer
than ``max_utterance_s`` is split at the quietest frame of its last seconds, so
no word is cut in half when a pause exists.

Phrases: once a pause inside speech reaches ``phrase_pause_ms`` (shorter than
the end of an utterance), the speech before it is emitted at once as a *phrase*
segment, without waiting to see whether the speaker resumes. Phrases tile the
audio (each ends where the next begins), so the pipeline can decode a phrase
now, turn it into a line when its text ends a sentence, and otherwise decode it
again together with what follows. An utterance that emitted a phrase always ends
with a closing segment, however little voice is left (only silence, when the
pause that cut the phrase became the end of the turn), so a held phrase is never
stranded. Speech with no such
pause is cut *softly* every ``soft_cut_s`` at its quietest recent frame: a frame the VAD
heard as silence when there is one (a gap too short to be a phrase pause, so no word is
split), else a voiced one (a phrase marked ``soft``: its end may split a word, so only
sentence ends inside it count).

Look aheads (``peeks``): ``peek_s`` into the speech after a phrase cut, the audio since the cut is
sent once as a ``peek`` segment (it tiles with the phrase; the utterance goes on untouched), so the
pipeline can confirm a held phrase's sentence end by the words that follow it before the next cut.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import takewhile

import numpy as np

from core.config import VadConfig
from core.events import SAMPLE_RATE, SAMPLE_WIDTH, AudioFrame, Speaker, SpeechSegment

IsSpeech = Callable[[bytes], bool]
Suppress = Callable[[float, bytes], bool]
"""(frame start, frame bytes) -> True to treat a frame as unvoiced (e.g. echo of the other party)."""

HANGOVER_MS = 150
"""Unvoiced audio kept after the last voiced frame: Whisper hears the word's release."""
PHRASE_MIN_VOICED_S = 1.0
"""A phrase needs this much voice: shorter ones ("So,") cost a decode for too little text."""
SOFT_SEARCH_S = 1.0
"""A soft cut (``vad.soft_cut_s``) is made at the quietest frame of this last stretch of speech."""
SPLIT_SEARCH_S = 3.0
"""When an utterance hits the maximum length, look this far back for the quietest frame."""


@dataclass(slots=True)
class _Frame:
    pcm: bytes
    start: float
    voiced: bool
    energy: float


def frame_energy(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    return float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0


def webrtc_is_speech(aggressiveness: int) -> IsSpeech:
    """The production VAD: webrtcvad at 16 kHz (imported here, not at module import)."""
    import webrtcvad

    vad = webrtcvad.Vad(aggressiveness)
    return lambda pcm: vad.is_speech(pcm, SAMPLE_RATE)


class Segmenter:
    """Turns a stream of one speaker's ``AudioFrame`` into ``SpeechSegment`` values."""

    def __init__(
        self,
        speaker: Speaker,
        config: VadConfig,
        is_speech: IsSpeech,
        partials: bool = False,
        suppress: Suppress | None = None,
        peeks: bool = False,
    ) -> None:
        self.speaker: Speaker = speaker
        self._cfg = config
        self._is_speech = is_speech
        self._suppress = suppress
        self._partials = partials and config.partial_interval_s > 0
        self._frame_bytes = SAMPLE_RATE * config.frame_ms // 1000 * SAMPLE_WIDTH
        self._frame_s = config.frame_ms / 1000
        self._start_frames = max(1, math.ceil(config.start_ms / config.frame_ms))
        self._window = 2 * self._start_frames
        self._end_frames = max(1, math.ceil(config.end_silence_ms / config.frame_ms))
        self._preroll_frames = config.preroll_ms // config.frame_ms
        self._hangover_frames = min(self._end_frames, HANGOVER_MS // config.frame_ms)
        self._max_frames = int(config.max_utterance_s / self._frame_s)
        self._phrase_frames = math.ceil(config.phrase_pause_ms / config.frame_ms)
        if self._phrase_frames >= self._end_frames:
            self._phrase_frames = 0  # off: such a pause ends the utterance anyway
        self._min_phrase_frames = math.ceil(PHRASE_MIN_VOICED_S / self._frame_s)
        self._soft_frames = round(config.soft_cut_s / self._frame_s) if self._phrase_frames else 0
        on = peeks and self._phrase_frames and config.peek_s > 0
        self._peek_frames = max(1, round(config.peek_s / self._frame_s)) if on else 0
        self._peek_at = -1
        """Length of ``_utt`` at which to send a look ahead (``SpeechSegment.peek``); -1: none due."""
        self._phrased = False
        """A phrase of the utterance in progress was emitted: its end must be emitted too."""
        self._ring: deque[_Frame] = deque(maxlen=self._preroll_frames + self._window)
        self._utt: list[_Frame] = []
        self._onset = 0
        """Index in ``_utt`` of the first voiced frame (after the pre-roll)."""
        self._trailing = 0
        self._pending = b""
        self._pending_start = 0.0
        self._next_partial = 0.0
        self._silent_head = False
        """The utterance goes on after a phrase cut at a pause: no voiced frame since (``_onset`` is
        set when one comes); ``_cut_at``: where that phrase's audio ended."""
        self._cut_at = 0.0

    @property
    def speaking(self) -> bool:
        return bool(self._utt) or self._silent_head

    def push(self, frame: AudioFrame, now: float = 0.0) -> list[SpeechSegment]:
        """Feed audio of any length; return segments completed by it.

        ``now`` is the wall-clock (monotonic) arrival time, copied into the
        segments for latency measurement only.
        """
        if not self._pending:
            self._pending_start = frame.start
        self._pending += frame.pcm
        out: list[SpeechSegment] = []
        n = self._frame_bytes
        usable = len(self._pending) // n * n
        for off in range(0, usable, n):
            pcm = self._pending[off : off + n]
            start = self._pending_start + off / (SAMPLE_RATE * SAMPLE_WIDTH)
            voiced = self._is_speech(pcm) and not (self._suppress and self._suppress(start, pcm))
            seg = self._step(_Frame(pcm, start, voiced, frame_energy(pcm)), now)
            if seg is not None:
                out.append(seg)
        self._pending = self._pending[usable:]
        self._pending_start += usable / (SAMPLE_RATE * SAMPLE_WIDTH)
        return out

    def flush(self, now: float = 0.0) -> list[SpeechSegment]:
        """End of audio (or a pause): emit the utterance in progress, if any, and forget the rest.

        The leftover part-frame goes too: after a pause, audio resumes at a later call time, and a
        stale ``_pending_start`` would stamp every later frame that much too early."""
        self._pending = b""
        if not self.speaking:
            self._ring.clear()
            return []
        seg = self._end_utterance(now)
        return [seg] if seg else []

    def _end_utterance(self, now: float) -> SpeechSegment | None:
        """The utterance in progress is over: its last segment (if any), and back to QUIET."""
        seg = self._finish(self._utt, now)
        self._reset()
        return seg

    def _reset(self) -> None:
        self._peek_at = -1
        self._utt = []
        self._trailing = 0
        self._phrased = False
        self._silent_head = False
        self._ring.clear()

    def _step(self, f: _Frame, now: float) -> SpeechSegment | None:
        if not self.speaking:
            self._ring.append(f)
            recent = list(self._ring)[-self._window :]
            if sum(x.voiced for x in recent) < self._start_frames:
                return None
            first_voiced = next(i for i, x in enumerate(recent) if x.voiced)
            ring = list(self._ring)
            onset = len(ring) - len(recent) + first_voiced
            self._utt = ring[max(0, onset - self._preroll_frames) :]
            self._onset = min(onset, self._preroll_frames)
            self._ring.clear()
            self._trailing = 0
            self._next_partial = f.start + self._cfg.partial_interval_s
            return None
        self._utt.append(f)
        if f.voiced and self._silent_head:  # the speaker goes on after a pause cut
            self._onset = len(self._utt) - 1
            self._silent_head = False
            self._next_partial = f.start + self._cfg.partial_interval_s
            self._peek_due(self._onset)
        self._trailing = 0 if f.voiced else self._trailing + 1
        if self._trailing >= self._end_frames:
            return self._end_utterance(now)
        if self._phrase_frames and self._trailing == self._phrase_frames:
            phrase = self._pause_phrase(now)
            if phrase is not None:
                return phrase
        if len(self._utt) >= self._max_frames:
            return self._split(now)
        if self._soft_frames and f.voiced and len(self._utt) >= self._soft_frames:
            return self._soft(now)
        if f.voiced and 0 <= self._peek_at <= len(self._utt):
            self._peek_at = -1
            seg = self._segment(self._utt, now, final=True, phrase=True)
            if seg is not None:  # tiles with the phrase before it, as a soft cut's does
                return replace(seg, pcm=b"".join(x.pcm for x in self._utt), peek=True)
        if self._partials and f.voiced and f.start >= self._next_partial:
            self._next_partial = f.start + self._cfg.partial_interval_s
            return self._segment(self._utt, now, final=False)
        return None

    def _pause_phrase(self, now: float) -> SpeechSegment | None:
        """The speaker has paused for ``phrase_pause_ms``: cut the phrase now, with the same audio
        as a cut when they resume, which may come up to ``end_silence_ms`` later (the phrase keeps
        ``HANGOVER_MS`` of the pause, or all of it when ``phrase_pause_ms`` is shorter). A sentence that
        ends a turn is then decoded after this pause, not after the end of the utterance. If the
        speaker does not resume, ``_finish`` emits a closing segment of the silence: the pipeline's
        cue to write what it holds of the turn as it is (no second decode).

        Measured realtime (``benchmarks.sentences``, Dec 6, the same machine and day; cut when the
        speaker resumes -> cut at the pause; sentence latency p50 / p95, CPU-s per audio s): the demo
        call 0.41 / 3.16 s, 0.146 -> 0.13 / 2.93 s, 0.125; the monologues 0.77 / 4.43 s, 0.160 ->
        0.47 / 4.21 s, 0.151 (their One-Down lines' nudges p50 0.72 -> 0.43 s); the mono phone call
        1.88 / 5.50 s, 0.206 -> 1.64 / 5.45 s, 0.176; the stereo call 2.68 / 7.61 s, 0.249 -> 2.42 /
        7.60 s, 0.230. WER the same but one word on the mono call."""
        cut = len(self._utt) - self._trailing + min(self._hangover_frames, self._trailing)
        head = self._utt[:cut]
        if sum(x.voiced for x in head) < self._min_phrase_frames:
            return None  # too little said yet: the phrase grows until the next pause
        seg = self._segment(head, now, final=True, phrase=True)
        if seg is None:
            return None
        self._utt = self._utt[cut:]  # perhaps nothing: the utterance goes on all the same
        self._peek_at = -1  # due again when the speaker goes on
        self._onset = len(self._utt)
        self._cut_at = round(head[-1].start + self._frame_s, 3)
        self._silent_head = True
        self._phrased = True
        return seg

    def _soft(self, now: float) -> SpeechSegment | None:
        """Speech with no phrase pause for ``soft_cut_s``: cut a soft phrase at the quietest frame of
        the last SOFT_SEARCH_S (leaving ``start_ms`` of voice after it), so its sentence ends can be
        found in the decode instead of waiting for a pause or the maximum length."""
        search = max(1, round(SOFT_SEARCH_S / self._frame_s))
        hi = len(self._utt) - self._start_frames
        lo = max(self._onset + 1, hi - search)
        if lo >= hi or sum(x.voiced for x in self._utt[:lo]) < self._min_phrase_frames:
            return None
        cut = min(range(lo, hi), key=lambda i: (self._utt[i].voiced, self._utt[i].energy))
        # Cut in a frame the VAD heard as silence (a gap shorter than the phrase pause): no word is
        # split, so a sentence end at the phrase's end is trusted like a pause cut's (not ``soft``).
        # Measured Dec 6, file mode, benchmarks.sentences' six sets: sentences over 4 s from their end
        # to their line's audio, the mono phone call 6 -> 4 of 37 (p95 5.07 -> 4.81 s), the recorded
        # dialogue 1 -> 0 of 16 (p95 3.95 -> 2.58 s), the monologues 4 -> 3 of 25; words wrong 256 ->
        # 255 of 1,752 (the mono call 59 -> 63, the stereo call 68 -> 65, the monologues 32 -> 29).
        # Only such a gap of 2 frames or more: the same but the stereo call (68). A 2 s search: 263.
        split_word = self._utt[cut].voiced
        head = self._utt[:cut]
        seg = self._segment(head, now, final=True, phrase=True)
        if seg is None:
            return None
        self._go_on_after(cut)
        return replace(seg, pcm=b"".join(x.pcm for x in head), soft=split_word)  # tiles: no hangover trim

    def _go_on_after(self, cut: int) -> None:
        """A phrase ended at frame ``cut`` while the speaker goes on (the frame just pushed is voiced,
        so nothing trails): the utterance continues from there and must end with a closing segment."""
        self._utt = self._utt[cut:]
        self._onset = next(i for i, x in enumerate(self._utt) if x.voiced)
        self._phrased = True
        self._peek_due(self._onset)
        self._next_partial = self._utt[-1].start + self._cfg.partial_interval_s

    def _peek_due(self, onset: int) -> None:
        """A phrase was cut and the speaker goes on (voice at ``_utt[onset]``): send a look ahead
        once ``peek_s`` of their speech has followed, unless the next cut comes first."""
        self._peek_at = onset + self._peek_frames if self._peek_frames else -1

    def _split(self, now: float) -> SpeechSegment | None:
        """Cut at the quietest frame (preferring unvoiced) in the last SPLIT_SEARCH_S seconds. Only
        silence since a pause cut (``end_silence_ms`` longer than ``max_utterance_s``): the turn
        ends here."""
        if self._silent_head:
            return self._end_utterance(now)
        search = max(1, int(SPLIT_SEARCH_S / self._frame_s))
        lo = max(self._onset + 1, len(self._utt) - search)
        candidates = range(min(lo, len(self._utt) - 1), len(self._utt))  # voice just resumed: at it
        cut = min(candidates, key=lambda i: (self._utt[i].voiced, self._utt[i].energy))
        head, tail = self._utt[:cut], self._utt[cut:]
        seg = self._finish(head, now)
        self._utt = tail
        self._onset = 0
        self._phrased = False  # the cap's segment closes what was held: the tail starts afresh
        self._peek_at = -1
        self._trailing = sum(1 for _ in takewhile(lambda x: not x.voiced, reversed(tail)))
        return seg

    def _finish(self, frames: list[_Frame], now: float) -> SpeechSegment | None:
        seg = self._segment(frames, now, final=True)
        if seg is None and self._phrased:
            # Only the pause after a phrase cut at the pause: the turn still needs its closing segment.
            keep = frames[: self._hangover_frames]
            at = round(keep[0].start, 3) if keep else self._cut_at
            return SpeechSegment(
                speaker=self.speaker,
                pcm=b"".join(x.pcm for x in keep),
                start=at,
                end=at,
                voiced_s=0.0,
                final=True,
                received_at=now,
                pcm_start=at,
            )
        if seg is None or (seg.voiced_s * 1000 < self._cfg.min_voiced_ms and not self._phrased):
            return None
        return seg

    def _segment(
        self, frames: list[_Frame], now: float, final: bool, phrase: bool = False
    ) -> SpeechSegment | None:
        voiced_idx = [i for i, x in enumerate(frames) if x.voiced]
        if not voiced_idx:
            return None
        first, last = voiced_idx[0], voiced_idx[-1]
        keep = frames[: min(len(frames), last + 1 + self._hangover_frames)]
        return SpeechSegment(
            speaker=self.speaker,
            pcm=b"".join(x.pcm for x in keep),
            start=round(frames[first].start, 3),
            end=round(frames[last].start + self._frame_s, 3),
            voiced_s=round(len(voiced_idx) * self._frame_s, 3),
            final=final,
            received_at=now,
            pcm_start=round(keep[0].start, 3),
            phrase=phrase,
        )
