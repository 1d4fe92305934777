"""Echo gate: quiet delayed copies of the loopback are leaks; the rep, loud or quiet, is not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from audio.echo import EchoGate
from core.events import SAMPLE_RATE, AudioFrame
from live.transcriber import Transcription


def burst(seconds: float, amp: float, seed: int) -> np.ndarray:
    """Noise with a loudness that moves as speech does: syllables of 80-250 ms, 20 dB apart at most,
    and a short gap between words now and then."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    levels: list[np.ndarray] = []
    while sum(x.size for x in levels) < n:
        size = int(rng.uniform(0.08, 0.25) * SAMPLE_RATE)
        level = 0.02 if rng.random() < 0.2 else 10 ** rng.uniform(-1, 0)
        levels.append(np.full(size, level))
    return (rng.normal(0, amp, n) * np.concatenate(levels)[:n]).astype(np.int16)


def feed(gate: EchoGate, loop: np.ndarray) -> None:
    n = SAMPLE_RATE // 50
    for i in range(0, loop.size, n):
        gate.observe(AudioFrame("prospect", loop[i : i + n].astype("<i2").tobytes(), i / SAMPLE_RATE))


def judge(
    gate: EchoGate, loop: np.ndarray, mic: np.ndarray, hear_mic: bool = True, loop_ahead_s: float = 0.0
) -> dict[float, bool]:
    """Both channels frame by frame, as the pipeline feeds them; the verdict on each 30 ms mic frame
    (by its start time). ``hear_mic`` False: the gate never gets the mic's audio (loudness alone).
    ``loop_ahead_s``: the loopback's frames arrive this much ahead of the mic's (negative: behind),
    as two capture streams with their own buffering deliver them."""
    n = 480
    ahead = round(loop_ahead_s * SAMPLE_RATE) // n * n
    fed = 0
    verdicts = {}
    for i in range(0, min(loop.size, mic.size) - n + 1, n):
        while fed <= min(i + ahead, loop.size - n):
            at = fed / SAMPLE_RATE
            gate.observe(AudioFrame("prospect", loop[fed : fed + n].astype("<i2").tobytes(), at))
            fed += n
        t = round(i / SAMPLE_RATE, 3)
        pcm = mic[i : i + n].astype("<i2").tobytes()
        if hear_mic:
            gate.listen(AudioFrame("rep", pcm, t))
        verdicts[t] = gate.is_leak(t, pcm)
    return verdicts


def between(verdicts: dict[float, bool], lo: float, hi: float) -> list[bool]:
    return [v for t, v in verdicts.items() if lo <= t < hi]


def test_quiet_delayed_copy_is_a_leak_and_loud_direct_speech_is_not() -> None:
    loop = np.concatenate([burst(2.0, 4000, 1), np.zeros(SAMPLE_RATE, dtype=np.int16)])
    echo = np.zeros_like(loop)
    delay = int(0.03 * SAMPLE_RATE)
    echo[delay:] = (loop[:-delay] * 10 ** (-18 / 20)).astype(np.int16)
    gate = EchoGate(margin_db=10)
    assert all(between(judge(gate, loop, echo), 0.06, 1.95))
    assert 1.8 < gate.leaked_s < 2.3  # the echo's tail too
    # Double talk (rep as loud as the loopback) and the rep alone (loopback silent) are the rep.
    rep = burst(3.0, 4000, 2)
    verdicts = judge(EchoGate(margin_db=10), loop, rep)
    over = between(verdicts, 0.0, 1.95)  # a quiet syllable of the rep's under a loud one of theirs
    assert sum(over) <= 0.1 * len(over) and not any(between(verdicts, 2.3, 2.95))


def test_the_rep_speaking_quietly_under_loud_loopback_is_not_a_leak() -> None:
    """Quiet enough to pass for an echo by loudness (-18 dB), but its syllables do not follow the
    loopback's: the rep talking over the other party, or another voice in the room, is kept."""
    loop = burst(20.0, 4000, 1)
    quiet = (burst(20.0, 4000, 2) * 10 ** (-18 / 20)).astype(np.int16)
    judged = between(judge(EchoGate(), loop, quiet), 1.5, 20.0)
    by_loudness_alone = between(judge(EchoGate(), loop, quiet, hear_mic=False), 1.5, 20.0)
    assert sum(by_loudness_alone) > 0.7 * len(by_loudness_alone)
    # 0.25 measured (0.88 by loudness alone): chance likeness of two random loudness tracks at one of
    # 91 delays; of the recorded call's real speech far less is taken (the next test).
    assert sum(judged) < 0.35 * len(judged)


def test_what_the_rep_said_before_the_other_party_spoke_does_not_hide_their_echo() -> None:
    """The turn before theirs: the rep talked while the loopback was silent, then the other party's
    echo comes in. Only the frames where the loopback was loud are compared, so the echo is one
    from its first second (with the rep's words in the comparison, it would not be)."""
    rep = burst(2.0, 4000, 2)
    them = burst(2.0, 4000, 1)
    loop = np.concatenate([np.zeros_like(rep), them])
    mic = np.concatenate([rep, np.zeros_like(them)])
    delay = int(0.04 * SAMPLE_RATE)
    mic[rep.size + delay :] += (them[:-delay] * 10 ** (-20 / 20)).astype(np.int16)
    verdicts = judge(EchoGate(), loop, mic)
    assert not any(between(verdicts, 0.0, 1.95))
    onset = between(verdicts, 2.4, 3.0)  # a second of mic audio, 0.4-1 s of it echo
    assert sum(onset) > 0.9 * len(onset)


def test_the_loopback_arriving_ahead_of_the_mic_or_behind_it_is_still_compared() -> None:
    """Live capture: each stream has its own buffering. The comparison still runs (a quiet voice of
    its own is not taken for echo; loudness alone would take it) and an echo is still one."""
    loop = burst(8.0, 4000, 1)
    quiet = (burst(8.0, 4000, 2) * 10 ** (-18 / 20)).astype(np.int16)
    echo = np.zeros_like(loop)
    delay = int(0.05 * SAMPLE_RATE)
    echo[delay:] = (loop[:-delay] * 10 ** (-20 / 20)).astype(np.int16)
    for ahead in (0.6, -0.1):
        kept = between(judge(EchoGate(), loop, quiet, loop_ahead_s=ahead), 2.0, 7.5)
        leaked = between(judge(EchoGate(), loop, echo, loop_ahead_s=ahead), 2.0, 7.5)
        assert sum(kept) < 0.35 * len(kept) and sum(leaked) > 0.9 * len(leaked)


def test_an_echo_late_by_a_stream_that_started_later_is_still_found() -> None:
    """Each capture stream counts its own samples: the loopback's opened after the mic's, or a
    Bluetooth speaker's output latency, puts the echo 0.3-0.6 s behind the loopback in call time
    (and clocks that drift apart move it either way)."""
    loop = burst(8.0, 4000, 1)
    for late_s in (-0.15, 0.35, 0.6):
        shift = int(abs(late_s) * SAMPLE_RATE)
        echo = np.zeros_like(loop)
        if late_s > 0:
            echo[shift:] = loop[:-shift] * 10 ** (-20 / 20)
        else:
            echo[:-shift] = loop[shift:] * 10 ** (-20 / 20)
        leaked = between(judge(EchoGate(), loop, echo), 2.0, 7.5)
        assert sum(leaked) > 0.9 * len(leaked), late_s


def test_talking_over_each_other_is_not_echo_worth_a_warning_and_a_real_echo_is(shared_speech) -> None:  # type: ignore[no-untyped-def]
    """The recorded phone call, either party as the rep: where they talk over each other, or one
    channel's line noise sits under the other's speech, quiet frames look like echo by loudness (the
    customer as the rep: 9.7 s of them, and the advice 46 s in, before ``LEAK_CORR``), but their
    loudness does not follow the loopback's. The customer mixed into the agent's mic as an echo is."""
    import webrtcvad

    from audio.decode import decode_blocks

    x = np.concatenate(
        list(decode_blocks(shared_speech / "conversation" / "stereo_call_aws_lca_autorepairs40_part1.flac")),
        axis=1,
    ).astype(np.float32)
    customer, agent = x[0], x[1]
    delay = int(0.06 * SAMPLE_RATE)
    echoed = agent.copy()
    echoed[delay:] += customer[:-delay] * 10 ** (-30 / 20)
    verdicts = []
    for mic, loop in ((agent, customer), (customer, agent), (echoed, customer)):
        gate, vad, n = EchoGate(), webrtcvad.Vad(2), 480
        for i in range(0, loop.size - n, n):
            gate.observe(AudioFrame("prospect", loop[i : i + n].astype("<i2").tobytes(), i / SAMPLE_RATE))
            pcm = np.clip(mic[i : i + n], -32768, 32767).astype("<i2").tobytes()
            gate.listen(AudioFrame("rep", pcm, i / SAMPLE_RATE))
            if vad.is_speech(pcm, SAMPLE_RATE):
                gate.is_leak(i / SAMPLE_RATE, pcm)
        verdicts.append((gate.leaked_s, gate.sustained))
    (agent_s, agent_told), (customer_s, customer_told), (echo_s, echo_told) = verdicts
    assert agent_s < 1.0 and customer_s < 2.0 and echo_s > 30.0
    assert (agent_told, customer_told, echo_told) == (False, False, True)


def test_echo_that_starts_late_in_a_call_is_told_within_seconds() -> None:
    """Ten clean minutes of the other party (headphones), then the rep unplugs them: the share is
    counted over the recent past, so the advice comes within about 20 s, not after minutes more."""
    gate = EchoGate()
    n = SAMPLE_RATE // 50
    loud = burst(1.0, 4000, 3)
    t = 0.0
    silent = bytes(2 * n)
    for _ in range(600):  # no leak is ever judged: the mic is silent while they talk
        for i in range(0, loud.size, n):
            gate.observe(AudioFrame("prospect", loud[i : i + n].astype("<i2").tobytes(), t + i / SAMPLE_RATE))
            gate.listen(AudioFrame("rep", silent, t + i / SAMPLE_RATE))
        t += 1.0
    assert not gate.sustained
    told_after = None
    echo = (loud * 10 ** (-20 / 20)).astype(np.int16)
    for second in range(60):
        for i in range(0, loud.size, n):
            at = t + i / SAMPLE_RATE
            gate.observe(AudioFrame("prospect", loud[i : i + n].astype("<i2").tobytes(), at))
            gate.listen(AudioFrame("rep", echo[i : i + n].astype("<i2").tobytes(), at))
            gate.is_leak(at, echo[i : i + n].astype("<i2").tobytes())
        t += 1.0
        if gate.sustained:
            told_after = second + 1
            break
    assert told_after is not None and told_after <= 25


def test_the_pipeline_gives_the_gate_the_mic_audio(shared_speech, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Through the composition root (real VAD, a scripted model): the recorded call with the customer
    on the rep's channel gets no headphones advice (by loudness alone it came 46 s in); with the
    agent's channel, the customer mixed into it as an echo, it does."""
    from audio.decode import decode_blocks
    from audio.source import FileSource
    from audio.synth import _write_wav
    from core.config import Config
    from live.compose import build_session
    from live.pipeline import ECHO_ADVICE
    from tests.core.test_pipeline_fast import KeywordClassifier

    class Okay:
        name = "okay"

        def warm(self) -> float:
            return 0.0

        def transcribe(self, audio: np.ndarray, *, channel: object = None) -> Transcription:
            return Transcription("Okay.", -0.1, 0.01)

    call = shared_speech / "conversation" / "stereo_call_aws_lca_autorepairs40_part1.flac"
    x = np.concatenate(list(decode_blocks(call)), axis=1).astype(np.float32)
    delay = int(0.06 * SAMPLE_RATE)
    agent = x[1].copy()
    agent[delay:] += x[0][:-delay] * 10 ** (-30 / 20)
    echoed = tmp_path / "echoed.wav"
    _write_wav(echoed, np.clip(np.stack([agent, x[0]], axis=1), -32768, 32767).astype(np.int16), SAMPLE_RATE)
    told = []
    for path in (call, echoed):
        journal = tmp_path / f"{path.stem}.jsonl"
        config = Config().with_values({"vad.partial_interval_s": 0, "refine.enabled": False})
        session = build_session(
            config, FileSource(path), journal, paced=False, transcriber=Okay(), classifier=KeywordClassifier()
        )
        session.run(lambda event: None)
        records = [json.loads(line) for line in journal.read_text().splitlines()]
        told.append([r["message"] for r in records if r["type"] == "advisory"])
    assert told == [[], [ECHO_ADVICE]]
