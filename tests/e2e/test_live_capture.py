"""Live capture through a real audio server: PulseAudio virtual devices fed by paplay in real time.

scripts/test (and so .ci/run) starts the server with ../shared/tools/virtual-audio.sh; without it
these tests skip with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from audio.synth import Turn, read_wav, synthesize_call
from calls.store import load_call
from core.events import SAMPLE_RATE
from tests.conftest import requires_espeak
from tuning.wer import corpus_wer


def _server_up() -> bool:
    if shutil.which("pactl") is None or shutil.which("paplay") is None:
        return False
    r = subprocess.run(["pactl", "list", "short", "sinks"], capture_output=True, text=True, check=False)
    return r.returncode == 0 and "virtual_mic_feed" in r.stdout and "virtual_speaker" in r.stdout


pytestmark = [
    pytest.mark.audio_server,
    pytest.mark.skipif(not _server_up(), reason="virtual audio server not running (scripts/test starts it)"),
]

TURNS = [
    Turn("rep", "Thanks for making the time today, I know the quarter end is busy."),
    Turn("prospect", "No problem, I have about twenty minutes before my next call.", 0.8),
    Turn("rep", "What we are seeing across distributors is that freight rates doubled this year.", 0.9),
    Turn("prospect", "That is true, our shipping costs are way over budget.", 0.8),
    Turn("rep", "I would recommend a short review of your carrier contracts next week.", 1.0),
    Turn("prospect", "Okay, send me a calendar invite for Tuesday.", 0.8),
]


def start_live(out: Path, duration: float, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "live",
            "--mic",
            "virtual_mic",
            "--loopback",
            "virtual_loopback",
            "--headless",
            "--duration",
            str(duration),
            "--out",
            str(out),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:  # wait until both streams deliver audio before playing
        if line.startswith("oneup: listening"):
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise AssertionError(f"oneup live never started capturing: {proc.stderr.read() if proc.stderr else ''}")


def _played_in(recorded: np.ndarray, played: np.ndarray) -> tuple[int, float]:
    """Lag (samples) where ``played`` best matches ``recorded``, and their correlation there."""
    n = 1 << int(np.ceil(np.log2(len(recorded) + len(played))))
    xc = np.fft.irfft(np.fft.rfft(recorded, n) * np.conj(np.fft.rfft(played, n)), n)
    lag = int(np.argmax(xc[: len(recorded)]))
    seg = recorded[lag : lag + len(played)]
    return lag, float(np.corrcoef(seg, played[: len(seg)])[0, 1])


FRAME = SAMPLE_RATE // 50
"""20 ms of samples: the unit in which a dropped stretch of audio is looked for."""


def _loudness_kept(recorded: np.ndarray, played: np.ndarray, lag: int) -> np.ndarray:
    """Recorded/played loudness of each loud 20 ms frame of ``played``: ~1 when captured whole,
    0 where a stretch of the call was dropped (overall correlation barely notices 0.1 s)."""
    n = len(played) // FRAME
    rec = recorded[lag : lag + n * FRAME]
    frames = [played[: n * FRAME], np.pad(rec, (0, n * FRAME - len(rec)))]
    rms_played, rms_rec = (np.sqrt((f.reshape(n, FRAME) ** 2).mean(axis=1)) for f in frames)
    loud = rms_played > 1000
    return rms_rec[loud] / rms_played[loud]


def _wav(path: Path) -> np.ndarray:
    samples, rate = read_wav(path)
    assert rate == SAMPLE_RATE and samples.ndim == 1
    return samples.astype(np.float32)


@requires_espeak
def test_two_party_call_through_virtual_devices(tmp_path: Path) -> None:
    call = synthesize_call(TURNS)
    rep_wav, pro_wav = tmp_path / "rep.wav", tmp_path / "pro.wav"
    call.write_channels(rep_wav, pro_wav)
    out = tmp_path / "live.jsonl"
    proc = start_live(out, call.duration_s + 3.0, "--keep-audio")
    players = [
        subprocess.Popen(["paplay", "--device=virtual_mic_feed", str(rep_wav)]),
        subprocess.Popen(["paplay", "--device=virtual_speaker", str(pro_wav)]),
    ]
    for p in players:
        assert p.wait(call.duration_s + 30) == 0
    stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 0, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["type"] == "session" and records[-1]["type"] == "summary"
    assert records[-1]["end_reason"] == "duration reached"

    # The capture itself, exactly: each channel recorded what was played into it, whole (no
    # dropped stretch), and nothing of the other channel.
    played = {"rep": _wav(rep_wav), "prospect": _wav(pro_wav)}
    for speaker, other in (("rep", "prospect"), ("prospect", "rep")):
        recorded = _wav(out.with_suffix(f".{speaker}.wav"))
        lag, corr = _played_in(recorded, played[speaker])
        assert corr > 0.95, (speaker, corr, records[-1].get("overflows"))
        assert min(_loudness_kept(recorded, played[speaker], lag)) > 0.5, (speaker, "lost audio")
        assert abs(_played_in(recorded, played[other])[1]) < 0.3, (speaker, "hears", other)

    # Through the model: the saved transcript (revisions applied) reads as the script. Whisper on
    # synthesized voices moves by a few words between runs (capture timing shifts where a
    # segment starts), so the bound is on the whole call; a dead or swapped channel reads ~1.0.
    saved = load_call(out)
    pairs = {
        speaker: (
            " ".join(t.text for t in call.turns if t.speaker == speaker),
            " ".join(line.text for line in saved.lines if line.speaker == speaker),
        )
        for speaker in ("rep", "prospect")
    }
    assert corpus_wer(list(pairs.values())) < 0.25, pairs
    for speaker, pair in pairs.items():
        assert corpus_wer([pair]) < 0.4, (speaker, pair)
    truth = call.talk_time()
    assert records[-1]["rep_share"] == pytest.approx(truth["rep"] / sum(truth.values()), abs=0.05)
    utts = [r for r in records if r["type"] == "utterance"]
    assert all(r["label"] for r in utts if r["speaker"] == "rep")
    assert "REP" in stdout and "PROSPECT" in stdout


def test_missing_device_is_a_clear_error(tmp_path: Path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "live",
            "--mic",
            "no-such-mic",
            "--headless",
            "--duration",
            "1",
            "--out",
            str(tmp_path / "x.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "no input device matching 'no-such-mic'" in r.stderr
    assert "virtual_mic" in r.stderr  # lists what exists
