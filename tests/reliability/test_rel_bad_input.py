"""Odd and broken audio through the real ``oneup run``: correct output or one clear error, never a crash.

Every case is a real subprocess of the CLI. The contract (issue 7, README): either exit 0 with a
sensible journal (session line first, summary last, every utterance with text, transcripts of known
speech close to the reference), or exit 2 with exactly one stderr line starting "oneup: error:";
never a traceback; no utterance with text from silence, noise or hum. All cases run up front, two
at a time (most of the time is model load), then each is checked by its own test.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from core.journal import read_journal
from tuning.wer import normalize, wer

SPEECH = Path(__file__).resolve().parents[3] / "shared" / "speech"
CLIP = SPEECH / "librispeech_26-495-0000.flac"
"""9.7 s of clean read speech (LibriSpeech), 16 kHz FLAC."""
CLIP_TEXT = (
    "IN SIXTEEN SIXTY FIVE WRITTEN BY A CITIZEN WHO CONTINUED ALL THE WHILE IN LONDON "
    "NEVER MADE PUBLIC BEFORE"
)
ESPEAK_TEXT = "What would you say are the biggest challenges with your scheduling right now?"
SR = 16_000

pytestmark = pytest.mark.skipif(
    shutil.which("sox") is None or shutil.which("espeak-ng") is None or not CLIP.exists(),
    reason="needs sox, espeak-ng and ../shared/speech",
)

Expect = Literal["ok", "error", "either"]


@dataclass(frozen=True)
class Case:
    """One input file and what the CLI must do with it."""

    name: str
    make: Callable[[Path], Path]
    expect: Expect
    reference: str | None = None
    """Known text: the transcript's WER must stay under ``max_wer``."""
    max_wer: float = 0.35
    no_text: bool = False
    """Silence, noise, hum, garbage: no utterance with text may come out."""
    error_needle: str | None = None
    max_wall_s: float | None = None


@dataclass(frozen=True)
class Outcome:
    rc: int
    stdout: str
    stderr: str
    wall_s: float
    journal: Path


# -- file makers ------------------------------------------------------------------------------------


def _sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def _write(path: Path, samples: np.ndarray, rate: int = SR) -> Path:
    """16-bit WAV from float samples in [-1, 1] (mono (n,) or (n, ch)), clipped."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def _clip_wav(d: Path) -> Path:
    out = d / "clip16.wav"
    if not out.exists():
        _sox(str(CLIP), str(out))
    return out


def converted(name: str, *opts: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        out = d / name
        _sox(str(CLIP), *opts, str(out))
        return out

    return make


def truncated(source: Literal["wav", "flac"], cut: int | float) -> Callable[[Path], Path]:
    """The first ``cut`` bytes (or that fraction) of a real file."""

    def make(d: Path) -> Path:
        data = (_clip_wav(d) if source == "wav" else CLIP).read_bytes()
        n = cut if isinstance(cut, int) else int(len(data) * cut)
        out = d / f"cut{n}.{source}"
        out.write_bytes(data[:n])
        return out

    return make


def random_bytes(ext: str, seed: int) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        out = d / f"random{seed}.{ext}"
        out.write_bytes(np.random.default_rng(seed).bytes(64_000))
        return out

    return make


def unknown_codec(d: Path) -> Path:
    """A WAV whose format tag (bytes 20-21) names a codec FFmpeg has no decoder for."""
    data = bytearray(_clip_wav(d).read_bytes())
    data[20:22] = (0xFFFF).to_bytes(2, "little")
    out = d / "unknown-codec.wav"
    out.write_bytes(bytes(data))
    return out


def zero_seconds(d: Path) -> Path:
    return _write(d / "zero.wav", np.zeros(0))


def tenth_of_a_second(d: Path) -> Path:
    """The first 0.1 s of real speech (plus nothing): too short to be an utterance."""
    out = d / "tenth.wav"
    _sox(str(CLIP), str(out), "trim", "0.5", "0.1")
    return out


def six_channels(d: Path) -> Path:
    out = d / "six.wav"
    _sox("-n", "-r", "16000", "-c", "6", str(out), "synth", "1", "sine", "300")
    return out


def hour_of_silence(d: Path) -> Path:
    out = d / "hour.wav"
    _sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "trim", "0", "3600")
    return out


def _ramp(make: Callable[[np.ndarray], np.ndarray], seconds: float = 24.0) -> np.ndarray:
    """Stereo (independent per channel where random), in steps of -36, -24, -12 and -3 dBFS RMS."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    parts = []
    for i, db in enumerate((-36, -24, -12, -3)):
        lo, hi = i * n // 4, (i + 1) * n // 4
        x = make(t[lo:hi])
        parts.append(x / np.sqrt(np.mean(x**2, axis=0)) * 10 ** (db / 20))
    return np.concatenate(parts)


def white_noise(d: Path) -> Path:
    rng = np.random.default_rng(5)
    return _write(d / "noise.wav", _ramp(lambda t: rng.standard_normal((t.size, 2))))


def mains_hum(freq: int) -> Callable[[Path], Path]:
    """Fundamental plus 2nd, 3rd, 5th and 7th harmonics, like a ground loop; both channels."""

    def make(d: Path) -> Path:
        def hum(t: np.ndarray) -> np.ndarray:
            x = sum(
                a * np.sin(2 * np.pi * freq * k * t)
                for k, a in ((1, 1.0), (2, 0.5), (3, 0.6), (5, 0.3), (7, 0.2))
            )
            return np.stack([x, 0.8 * x], axis=1)

        return _write(d / f"hum{freq}.wav", _ramp(hum))

    return make


def clipped_speech(d: Path) -> Path:
    """espeak-ng speech and real speech amplified +20 dB, hard-clipped (an overdriven mic)."""
    from audio.synth import synthesize_turn

    tts = synthesize_turn(ESPEAK_TEXT).astype(np.float64) / 32768
    with wave.open(str(_clip_wav(d)), "rb") as w:
        real = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    gap = np.zeros(SR)
    x = np.concatenate([gap, tts, gap, real, gap]) * 10.0  # +20 dB
    assert np.mean(np.abs(x) >= 1.0) > 0.05  # really clipped
    return _write(d / "clipped.wav", np.clip(x, -1.0, 1.0))


CASES: list[Case | pytest.param] = [  # type: ignore[valid-type]
    # Truncated headers and data: WAV (header is 44 bytes) and FLAC, cut at several offsets.
    Case("wav cut 12 B", truncated("wav", 12), "error", error_needle="not a readable audio file"),
    Case("wav cut 30 B", truncated("wav", 30), "error"),
    Case("wav cut 43 B", truncated("wav", 43), "error"),
    Case("wav cut 44 B (header only)", truncated("wav", 44), "error", error_needle="no audio samples"),
    Case("wav cut 45 B (1 data byte)", truncated("wav", 45), "either", no_text=True),
    Case(
        "wav cut mid-data",
        truncated("wav", 0.5),
        "ok",
        reference=" ".join(CLIP_TEXT.split()[:9]),
        max_wer=0.5,
    ),
    Case("flac cut 4 B", truncated("flac", 4), "error"),
    Case("flac cut 42 B (in STREAMINFO)", truncated("flac", 42), "error"),
    Case("flac cut 2000 B", truncated("flac", 2000), "error"),
    Case("flac cut mid-data", truncated("flac", 0.5), "ok"),
    Case("wav with an unknown codec tag", unknown_codec, "error", error_needle="unsupported audio codec"),
    # Random bytes with audio extensions.
    *(
        Case(f"random .{ext}", random_bytes(ext, i), "error", no_text=True)
        for i, ext in enumerate(("wav", "flac", "mp3", "ogg", "m4a"))
    ),
    # Bit depths and rates (one file each, real speech, known text).
    Case("8-bit 8 kHz", converted("u8.wav", "-r", "8000", "-b", "8", "-e", "unsigned"), "ok", CLIP_TEXT, 0.5),
    Case("24-bit 44.1 kHz", converted("s24.wav", "-r", "44100", "-b", "24"), "ok", CLIP_TEXT),
    Case(
        "float 48 kHz",
        converted("f32.wav", "-r", "48000", "-b", "32", "-e", "floating-point"),
        "ok",
        CLIP_TEXT,
    ),
    Case("6 channels", six_channels, "error", error_needle="6 channels"),
    Case("0 seconds", zero_seconds, "error", error_needle="no audio samples"),
    Case("0.1 seconds", tenth_of_a_second, "either", no_text=True),
    Case("1 hour of silence", hour_of_silence, "ok", no_text=True, max_wall_s=90.0),
    Case("white noise", white_noise, "ok", no_text=True),
    Case("mains hum 50 Hz", mains_hum(50), "ok", no_text=True),
    Case("mains hum 60 Hz", mains_hum(60), "ok", no_text=True),
    Case("clipped speech +20 dB", clipped_speech, "ok", f"{ESPEAK_TEXT} {CLIP_TEXT}", 0.35),
]


def _case(c: Case | pytest.param) -> Case:  # type: ignore[valid-type]
    return c if isinstance(c, Case) else c.values[0]


def _run(case: Case, d: Path) -> Outcome:
    d.mkdir(parents=True, exist_ok=True)
    audio = case.make(d)
    out = d / "journal.jsonl"
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "cli", "run", str(audio), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ONEUP_DATA_DIR": str(d / "data"), "ONEUP_CONFIG": str(d / "none.toml")},
    )
    return Outcome(r.returncode, r.stdout, r.stderr, time.monotonic() - t0, out)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("bad-input")
    cases = [_case(c) for c in CASES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {c.name: pool.submit(_run, c, root / f"case{i}") for i, c in enumerate(cases)}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: _case(c).name)
def test_bad_input(case: Case, outcomes: dict[str, Outcome]) -> None:
    o = outcomes[case.name]
    both = o.stdout + o.stderr
    assert "Traceback" not in both, both
    assert o.rc in (0, 2), both
    if case.expect != "either":
        assert o.rc == (0 if case.expect == "ok" else 2), both
    if o.rc == 2:
        lines = o.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("oneup: error: "), repr(o.stderr)
        assert "\n" not in lines[0]
        if case.error_needle:
            assert case.error_needle in lines[0]
    else:
        # Only a recording cut short may warn (its decoded part is kept): one line.
        assert o.stderr.strip() == "" or (
            o.stderr.startswith("oneup: warning: end of audio (input ended early")
            and o.stderr.count("\n") == 1
        ), o.stderr
        records, problems = read_journal(o.journal)
        assert not problems
        assert records[0]["type"] == "session" and records[-1]["type"] == "summary"
        assert records[-1]["end_reason"].startswith("end of audio")
        utts = [r for r in records if r["type"] == "utterance"]
        assert all(r["text"].strip() and r["end"] > r["start"] >= 0 for r in utts)
        if case.no_text:
            assert [r["text"] for r in utts] == []
        if case.reference is not None:
            hyp = " ".join(r["text"] for r in utts)
            assert wer(case.reference, hyp) < case.max_wer, hyp
        assert math.isfinite(records[-1]["duration_s"])
    if case.max_wall_s is not None:
        assert o.wall_s < case.max_wall_s


def test_speech_decoded_before_a_midstream_error_is_journaled(outcomes: dict[str, Outcome]) -> None:
    """A FLAC cut in half (a recorder killed mid-call): the first half's words must not be lost."""
    o = outcomes["flac cut mid-data"]
    records, _ = read_journal(o.journal)
    summary = records[-1]
    assert summary["type"] == "summary" and summary["duration_s"] > 3.0  # about 4 s were decoded
    text = " ".join(r["text"] for r in records if r["type"] == "utterance")
    words = set(normalize(text))
    assert len(words & {"sixteen", "sixty", "five", "written", "citizen"}) >= 3, text


def test_a_reader_that_goes_away_does_not_cut_the_call_short(tmp_path: Path) -> None:
    """``oneup run call.wav | head -1``: the call goes on to its end, with a whole journal."""
    out = tmp_path / "journal.jsonl"
    env = {**os.environ, "ONEUP_DATA_DIR": str(tmp_path / "d"), "ONEUP_CONFIG": str(tmp_path / "none.toml")}
    p = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", str(CLIP), "--out", str(out), "--no-refine"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.readline().startswith(b"oneup: ")  # the header; then the reader goes
    p.stdout.close()
    assert p.wait(timeout=300) == 0
    assert b"Traceback" not in p.stderr.read()
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert records[-1]["type"] == "summary" and records[-1]["end_reason"] == "end of audio"
    heard = " ".join(r["text"] for r in records if r["type"] == "utterance")
    assert wer(CLIP_TEXT, heard) < 0.35, heard
