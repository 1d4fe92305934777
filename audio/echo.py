"""Echo (bleed) detection: the prospect's voice leaking from speakers into the rep's microphone.

Leaked speech is the loopback signal again, delayed a little and much quieter.
A rep frame is "leak-like" when the loopback carried speech at about the same
time, the mic frame is far quieter than it, and the mic's loudness over the last
second rises and falls with the loopback's (``LEAK_CORR``): an echo follows the
other party's syllables, the rep talking at the same time does not. Such frames
are treated as silence by the rep's segmenter, so the prospect, heard twice, is
neither transcribed nor counted as the rep. No I/O and no threads: both channels'
last seconds in, a verdict out.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from core.events import SAMPLE_RATE, SAMPLE_WIDTH, AudioFrame

FRAME_S = 0.02
MAX_LAG_S = 0.25
"""Acoustic + buffering delay allowed between the loopback and its echo in the mic."""
CORR_WINDOW_S = 1.0
"""The stretch of loudness (20 ms frames) compared: long enough to hold a few syllables."""
LAG_STEP_S = 0.01
ECHO_DELAYS_S = (-0.2, 0.7)
"""The echo's delay behind the loopback, in call time, that the likeness test searches (earliest,
latest). More than the acoustic delay: a capture stream's call time is its own sample count, so the
loopback stream opening after the mic's, a speaker's output latency (Bluetooth: 0.15-0.3 s) and the
two sound cards' clocks drifting apart over a long call all move it."""
LEAK_CORR = 0.7
"""A quiet mic frame is echo only when the mic's log loudness over the last ``CORR_WINDOW_S`` (where the
loopback was loud) follows the loopback's at some delay of ``ECHO_DELAYS_S`` with at least this
correlation. Measured on the two 2-minute parts of the recorded phone call
(``../shared/speech/conversation/``), webrtcvad-voiced frames, seconds judged echo, loudness alone
-> with this test: the customer as the rep 9.7 / 19.2 -> 1.2 / 0.9 (the headphones advice had come
46 s and 28 s in; now not at all); the agent as the rep 1.6 / 1.4 -> 0.6 / 0.3; the customer mixed
into the agent's channel as an echo (-36 to -14 dB, 20-150 ms late, rooms from ``sox reverb``,
band-limited, mic noise) 90-100% of what loudness alone found, the advice 0-4 s later; an echo
-150 to +650 ms late in call time (-24 dB, the first minute) 25-31 of 31-32 s. 0.6 let 2.2 / 2.4 s of
the customer through as echo, 0.75 kept 1-4% less of the echo. The verdict is about the mic's last
second, so a rep who starts talking right after an echo can have a few frames taken for it."""
MIN_CORR_WINDOW_S = 0.4
"""Less mic audio than this (the call's first moments): the loudness test alone decides."""
MAX_SKEW_S = 0.5
"""The loopback's blocks may be delivered this much later than the mic's (live capture, two streams
with their own buffering) and the comparison still runs, on the second up to where the loopback
has arrived. (An offset between the two streams' clocks is a delay: ``ECHO_DELAYS_S``.)"""
MIN_ACTIVE_S = 0.2
"""Frames where the loopback was loud (over the gate's floor), at least, for the comparison: less (the
first moments of the other party's turn) and the loudness test alone decides."""
ENV_FLOOR = 30.0
"""Added to a frame's RMS before its log: silence (digital zeros, a muted mic) does not swing the
log loudness by orders of magnitude."""
HISTORY_S = 60.0
WARN_S = 1.0
"""Seconds of echo in the rep's mic, at least, before the user is told to use headphones..."""
WARN_SHARE = 0.5
"""...and at least this share of the seconds the other party was loud, both counted over the last
``WARN_WINDOW_S`` or so. A speaker into an open mic leaks most of what the other party says (a leak is
a voiced mic frame within ``MAX_LAG_S`` of loud loopback, so the share can pass 1); a few frames of
talking over each other can still pass both tests. On the two 2-minute parts of the recorded phone
call in ``../shared/speech/conversation/``, the agent as the rep, by loudness alone (before
``LEAK_CORR``): 1.6 and 1.4 s of the agent's frames looked like echo, 0.06 and 0.05 of the whole
part's loud seconds; with the customer mixed into the agent's channel as an echo (-32 to -14 dB,
20-120 ms late) 43-53 s, 1.66-1.86. Counted over ``WARN_WINDOW_S`` instead, the share peaked at 0.08
and 0.17 without echo and at 1.7-2.0 with it, told 2-8 s into each part."""
WARN_WINDOW_S = 30.0
"""Leaks and loud seconds fade with this time constant, so echo that starts mid-call (headphones
unplugged after 20 minutes) is told within about 20 s of the other party talking, not after the
whole call's clean minutes are outweighed."""

_FRAME = round(FRAME_S * SAMPLE_RATE)
_HOP = round(LAG_STEP_S * SAMPLE_RATE)
_EARLY = round(-ECHO_DELAYS_S[0] / LAG_STEP_S)
"""Hops the echo may come before the loopback..."""
_LATE = round(ECHO_DELAYS_S[1] / LAG_STEP_S)
"""...and after it."""


def _energies(pcm: bytes) -> np.ndarray:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    usable = x.size // _FRAME * _FRAME
    if not usable:
        return np.zeros(0, dtype=np.float32)
    return np.sqrt(np.mean(x[:usable].reshape(-1, _FRAME) ** 2, axis=1))


class _Tail:
    """The last ``keep_s`` seconds of one channel's samples, placed by call time. Frames of a channel
    are contiguous; one that is not (frames skipped while the call is paused) starts the tail afresh."""

    def __init__(self, keep_s: float) -> None:
        self._keep = round(keep_s * SAMPLE_RATE)
        self._x = np.zeros(0, dtype=np.float64)
        self._first = 0
        """Call-time sample index of ``_x[0]``."""

    def append(self, start: float, pcm: bytes) -> None:
        at = round(start * SAMPLE_RATE)
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        if self._x.size and abs(at - (self._first + self._x.size)) > 1:
            self._x = self._x[:0]
        if not self._x.size:
            self._first = at
        self._x = np.concatenate((self._x, x))[-self._keep :]
        self._first = at + x.size - self._x.size

    @property
    def end(self) -> int:
        """Call-time sample index just after the last sample held."""
        return self._first + self._x.size

    def span(self, lo: int, hi: int) -> np.ndarray | None:
        """Samples ``lo`` to ``hi`` (call-time sample indexes), or None when not all are here."""
        if lo < self._first or hi > self._first + self._x.size:
            return None
        return self._x[lo - self._first : hi - self._first]


def _log_loudness(x: np.ndarray, hop: int) -> np.ndarray:
    """log(RMS + ``ENV_FLOOR``) of every 20 ms frame of ``x`` starting each ``hop`` samples."""
    sums = np.concatenate(([0.0], np.cumsum(x * x)))
    starts = np.arange(0, x.size - _FRAME + 1, hop)
    return np.log(np.sqrt((sums[starts + _FRAME] - sums[starts]) / _FRAME) + ENV_FLOOR)


def _best_correlation(mic: np.ndarray, loop: np.ndarray, lags: int, active: float) -> float | None:
    """The highest Pearson correlation of the mic's loudness (``mic``: frames 20 ms apart) with the
    loopback's (``loop``: frames 10 ms apart) over ``lags + 1`` alignments, one per 10 ms hop (the
    alignment that starts ``k`` hops into ``loop`` pairs mic frame ``j`` with loop frame ``k + 2j``),
    each over the frames where the loopback was louder than ``active`` (its log loudness): what the
    rep said while the other party was silent (the turn before theirs) says nothing about echo.
    None when no alignment has ``MIN_ACTIVE_S`` of such frames."""
    step = _FRAME // _HOP
    rows = (lags - np.arange(lags + 1))[:, None] + step * np.arange(mic.size)[None, :]
    shifted = loop[rows]
    w = (shifted > active).astype(np.float64)
    n = w.sum(axis=1)
    ok = n >= MIN_ACTIVE_S / FRAME_S
    if not ok.any():
        return None
    w, n, shifted = w[ok], n[ok], shifted[ok]
    m_mean = (w @ mic) / n
    s_mean = (w * shifted).sum(axis=1) / n
    m = mic[None, :] - m_mean[:, None]
    s = shifted - s_mean[:, None]
    cov = (w * m * s).sum(axis=1)
    norm = np.sqrt((w * m * m).sum(axis=1) * (w * s * s).sum(axis=1))
    r = np.where(norm > 1e-9, cov / np.maximum(norm, 1e-9), -1.0)
    return float(r.max())


class EchoGate:
    """Remembers recent loopback (and mic) audio and judges rep frames against it."""

    def __init__(self, margin_db: float = 10.0, floor: float = 200.0, min_corr: float = LEAK_CORR) -> None:
        self._ratio = 10 ** (-margin_db / 20)
        self._floor = floor
        self._min_corr = min_corr
        self._active = float(np.log(floor + ENV_FLOOR))
        """The log loudness of loopback frames loud enough to compare (over ``floor``)."""
        self._loop: deque[tuple[float, np.ndarray]] = deque()
        # A second more than a comparison needs: in live capture the loopback's blocks may arrive ahead
        # of the mic's, or behind them (``MAX_SKEW_S``); each stream has its own buffering.
        self._loop_tail = _Tail(CORR_WINDOW_S + ECHO_DELAYS_S[1] - ECHO_DELAYS_S[0] + 1.0)
        self._mic_tail = _Tail(CORR_WINDOW_S + MAX_SKEW_S - ECHO_DELAYS_S[0] + 0.1)
        self.leaked_s = 0.0
        """Seconds of rep audio judged to be echo so far."""
        self.loud_s = 0.0
        """Seconds of loopback audio loud enough to leak (over the floor), fading (``WARN_WINDOW_S``)."""
        self.recent_leaked_s = 0.0
        """``leaked_s``, fading the same way."""

    def observe(self, frame: AudioFrame) -> None:
        """Feed every loopback (prospect) frame."""
        energies = _energies(frame.pcm)
        fade = float(np.exp(-energies.size * FRAME_S / WARN_WINDOW_S))
        self.loud_s = self.loud_s * fade + float(np.count_nonzero(energies > self._floor)) * FRAME_S
        self.recent_leaked_s *= fade
        self._loop.append((frame.start, energies))
        self._loop_tail.append(frame.start, frame.pcm)
        while self._loop and self._loop[0][0] < frame.start - HISTORY_S:
            self._loop.popleft()

    def listen(self, frame: AudioFrame) -> None:
        """Feed every mic (rep) frame, before the rep's segmenter sees it: the loudness of the mic's
        last second is what ``is_leak`` compares with the loopback's."""
        self._mic_tail.append(frame.start, frame.pcm)

    @property
    def sustained(self) -> bool:
        """Echo worth telling the user about (``WARN_S`` and ``WARN_SHARE``), not a few frames of
        talking over each other."""
        return self.recent_leaked_s >= WARN_S and self.recent_leaked_s >= WARN_SHARE * self.loud_s

    def is_leak(self, start: float, pcm: bytes) -> bool:
        """True when this rep frame is a quiet copy of loopback speech from the last MAX_LAG_S.

        Used as the rep segmenter's ``suppress`` hook: leaked frames count as unvoiced,
        so echo neither starts an utterance nor extends one.
        """
        rep = _energies(pcm)
        if not rep.size:
            return False
        seconds = len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        lo, hi = start - MAX_LAG_S, start + seconds
        loud = 0.0
        for t, e in reversed(self._loop):
            if t + len(e) * FRAME_S <= lo:
                break
            if t < hi and e.size:
                loud = max(loud, float(e.max()))
        leak = loud > self._floor and float(rep.max()) < loud * self._ratio and self._follows(hi)
        if leak:
            self.leaked_s += seconds
            self.recent_leaked_s += seconds
        return leak

    def _follows(self, end: float) -> bool:
        """The mic's loudness up to ``end`` follows the loopback's (``LEAK_CORR``); True too when there
        is not enough mic or loopback audio to tell (the loudness test alone decides then)."""
        # In live capture the loopback's blocks may arrive behind the mic's: compare the last second
        # up to where the loopback has arrived (at most ``MAX_SKEW_S`` before the frame judged).
        at = round(end * SAMPLE_RATE)
        hi = min(at, self._loop_tail.end - _EARLY * _HOP)
        if at - hi > MAX_SKEW_S * SAMPLE_RATE:
            return True
        for window in (CORR_WINDOW_S, MIN_CORR_WINDOW_S):
            n = round(window * SAMPLE_RATE) // _FRAME * _FRAME
            mic = self._mic_tail.span(hi - n, hi)
            loop = self._loop_tail.span(hi - n - _LATE * _HOP, hi + _EARLY * _HOP)
            if mic is None or loop is None:
                continue
            mic_env, loop_env = _log_loudness(mic, _FRAME), _log_loudness(loop, _HOP)
            r = _best_correlation(mic_env, loop_env, _EARLY + _LATE, self._active)
            return r is None or r >= self._min_corr
        return True
