"""Echo (bleed) detection: the prospect's voice leaking from speakers into the rep's microphone.

Leaked speech is the loopback signal again, delayed a little and much quieter.
A rep frame is "leak-like" when the loopback carried speech at about the same
time and the mic frame is far quieter than it. Such frames are treated as
silence by the rep's segmenter, so the prospect, heard twice, is neither
transcribed nor counted as the rep. Pure: energies in, a verdict out.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from core.events import SAMPLE_RATE, SAMPLE_WIDTH, AudioFrame

FRAME_S = 0.02
MAX_LAG_S = 0.25
"""Acoustic + buffering delay allowed between the loopback and its echo in the mic."""
HISTORY_S = 60.0
WARN_S = 1.0
"""Seconds of echo in the rep's mic, at least, before the user is told to use headphones..."""
WARN_SHARE = 0.5
"""...and at least this share of the seconds the other party was loud, both counted over the last
``WARN_WINDOW_S`` or so. Talking over each other makes a few of the rep's quieter frames look like
echo; a speaker into an open mic leaks most of what the other party says (a leak is a voiced mic
frame within ``MAX_LAG_S`` of loud loopback, so the share can pass 1). On the two 2-minute parts of
the recorded phone call in ``../shared/speech/conversation/``, the agent as the rep: 1.6 and 1.4 s
of the agent's frames look like echo, 0.06 and 0.05 of the whole part's loud seconds; with the
customer mixed into the agent's channel as an echo (-32 to -14 dB, 20-120 ms late) 43-53 s,
1.66-1.86. Counted over ``WARN_WINDOW_S`` instead, the share peaks at 0.08 and 0.17 without echo and
at 1.7-2.0 with it, told 2-8 s into each part. The old rule (1 s of leaks) told the agent to use
headphones on both parts."""
WARN_WINDOW_S = 30.0
"""Leaks and loud seconds fade with this time constant, so echo that starts mid-call (headphones
unplugged after 20 minutes) is told within about 20 s of the other party talking, not after the
whole call's clean minutes are outweighed."""


def _energies(pcm: bytes) -> np.ndarray:
    n = int(FRAME_S * SAMPLE_RATE)
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    usable = x.size // n * n
    if not usable:
        return np.zeros(0, dtype=np.float32)
    return np.sqrt(np.mean(x[:usable].reshape(-1, n) ** 2, axis=1))


class EchoGate:
    """Remembers recent loopback energy and judges rep segments against it."""

    def __init__(self, margin_db: float = 10.0, floor: float = 200.0) -> None:
        self._ratio = 10 ** (-margin_db / 20)
        self._floor = floor
        self._loop: deque[tuple[float, np.ndarray]] = deque()
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
        while self._loop and self._loop[0][0] < frame.start - HISTORY_S:
            self._loop.popleft()

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
        lo, hi = start - MAX_LAG_S, start + len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        loud = 0.0
        for t, e in reversed(self._loop):
            if t + len(e) * FRAME_S <= lo:
                break
            if t < hi and e.size:
                loud = max(loud, float(e.max()))
        leak = loud > self._floor and float(rep.max()) < loud * self._ratio
        if leak:
            seconds = len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
            self.leaked_s += seconds
            self.recent_leaked_s += seconds
        return leak
