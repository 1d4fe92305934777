"""Echo gate on synthetic energies: quiet delayed copies of the loopback are leaks, the rep is not."""

from __future__ import annotations

import numpy as np

from audio.echo import EchoGate
from core.events import SAMPLE_RATE, AudioFrame


def burst(seconds: float, amp: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(0, amp, int(seconds * SAMPLE_RATE))).astype(np.int16)


def feed(gate: EchoGate, loop: np.ndarray) -> None:
    n = SAMPLE_RATE // 50
    for i in range(0, loop.size, n):
        gate.observe(AudioFrame("prospect", loop[i : i + n].astype("<i2").tobytes(), i / SAMPLE_RATE))


def frame_at(x: np.ndarray, t: float) -> bytes:
    i = int(t * SAMPLE_RATE)
    return x[i : i + 480].astype("<i2").tobytes()


def test_quiet_delayed_copy_is_a_leak_and_loud_direct_speech_is_not() -> None:
    loop = np.concatenate([burst(1.0, 4000, 1), np.zeros(SAMPLE_RATE, dtype=np.int16)])
    gate = EchoGate(margin_db=10)
    feed(gate, loop)
    echo = np.zeros_like(loop)
    delay = int(0.03 * SAMPLE_RATE)
    echo[delay:] = (loop[:-delay] * 10 ** (-18 / 20)).astype(np.int16)
    assert all(gate.is_leak(t, frame_at(echo, t)) for t in np.arange(0.06, 0.95, 0.03))
    rep = burst(2.0, 4000, 2)
    # Double talk (rep as loud as the loopback) and the rep alone (loopback silent) are the rep.
    assert not any(gate.is_leak(t, frame_at(rep, t)) for t in np.arange(0.06, 0.95, 0.03))
    assert not any(gate.is_leak(t, frame_at(rep, t)) for t in np.arange(1.3, 1.95, 0.03))
    assert 0.8 < gate.leaked_s < 1.0
