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


def test_talking_over_each_other_is_not_echo_worth_a_warning_and_a_real_echo_is(shared_speech) -> None:  # type: ignore[no-untyped-def]
    """The recorded phone call, the agent as the rep: where they talk over each other a few quiet
    frames look like echo, but no warning; the customer mixed into the agent's mic as an echo is."""
    import webrtcvad

    from audio.decode import decode_blocks

    x = np.concatenate(
        list(decode_blocks(shared_speech / "conversation" / "stereo_call_aws_lca_autorepairs40_part1.flac")),
        axis=1,
    )
    mic, loop = x[1].astype(np.float32), x[0].astype(np.float32)
    delay = int(0.06 * SAMPLE_RATE)
    echoed = mic.copy()
    echoed[delay:] += loop[:-delay] * 10 ** (-30 / 20)
    verdicts = []
    for channel in (mic, echoed):
        gate, vad, n = EchoGate(), webrtcvad.Vad(2), 480
        for i in range(0, loop.size - n, n):
            gate.observe(AudioFrame("prospect", loop[i : i + n].astype("<i2").tobytes(), i / SAMPLE_RATE))
            pcm = np.clip(channel[i : i + n], -32768, 32767).astype("<i2").tobytes()
            if vad.is_speech(pcm, SAMPLE_RATE):
                gate.is_leak(i / SAMPLE_RATE, pcm)
        verdicts.append((gate.leaked_s >= 1.0, gate.sustained))
    assert verdicts == [(True, False), (True, True)]  # both pass the old 1 s rule; only the echo is sustained


def test_echo_that_starts_late_in_a_call_is_told_within_seconds() -> None:
    """Ten clean minutes of the other party (headphones), then the rep unplugs them: the share is
    counted over the recent past, so the advice comes within about 20 s, not after minutes more."""
    gate = EchoGate()
    n = SAMPLE_RATE // 50
    loud = burst(1.0, 4000, 3)
    t = 0.0
    for _ in range(600):  # no leak is ever judged: the mic is silent while they talk
        for i in range(0, loud.size, n):
            gate.observe(AudioFrame("prospect", loud[i : i + n].astype("<i2").tobytes(), t + i / SAMPLE_RATE))
        t += 1.0
    assert not gate.sustained
    told_after = None
    echo = (loud * 10 ** (-20 / 20)).astype(np.int16)
    for second in range(60):
        for i in range(0, loud.size, n):
            at = t + i / SAMPLE_RATE
            gate.observe(AudioFrame("prospect", loud[i : i + n].astype("<i2").tobytes(), at))
            gate.is_leak(at, echo[i : i + n].astype("<i2").tobytes())
        t += 1.0
        if gate.sustained:
            told_after = second + 1
            break
    assert told_after is not None and told_after <= 25
