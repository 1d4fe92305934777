"""audio.synth builds calls with exact ground truth, and the shipped demo asset is sound.

Everything downstream (VAD, talk ratios, echo handling, the demo) trusts these timings,
so check that each placed turn really is voiced on its own channel and silent on the other.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio import synth
from audio.synth import SAMPLE_RATE, Turn, read_wav, synthesize_call

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "live" / "assets"

needs_tts = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are needed to synthesize speech (Debian: apt-get install espeak-ng sox)",
)

TURNS = [
    Turn("rep", "Hi, thanks for taking the call today."),
    Turn("prospect", "Sure, happy to chat for a few minutes.", gap_before_s=0.8),
    Turn("rep", "What we are seeing across the industry is rising labor costs.", gap_before_s=0.5),
    Turn("prospect", "That matches what we see.", gap_before_s=1.0),
]


@pytest.fixture(scope="module")
def call() -> synth.SynthCall:
    return synthesize_call(TURNS, lead_in_s=0.5, tail_s=1.0)


def rms_db(x: np.ndarray) -> float:
    """RMS in dBFS; -inf-safe for digital silence."""
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-9) / 32768)


def span(x: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return x[round(start_s * SAMPLE_RATE) : round(end_s * SAMPLE_RATE)]


def test_turn_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        Turn("rep", "too close", gap_before_s=0.1)
    with pytest.raises(ValueError):
        Turn("caller", "who?")  # type: ignore[arg-type]


@needs_tts
def test_turn_is_trimmed_cached_and_16k() -> None:
    a = synth.synthesize_turn("Hello there.", "en-us+m3", 160)
    assert a.dtype == np.int16 and a.ndim == 1
    assert 0.3 < a.size / SAMPLE_RATE < 3.0
    # trimmed: the very first and last samples are already voiced
    assert abs(int(a[0])) > synth._TRIM_THRESHOLD and abs(int(a[-1])) > synth._TRIM_THRESHOLD
    assert synth.synthesize_turn("Hello there.", "en-us+m3", 160) is a


@needs_tts
def test_turn_is_the_same_on_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Synthesized calls are benchmark and evaluation material: the same line must give the same
    samples in every process (sox dithered from a random seed, and lines differed by a few samples)."""
    text = "Our platform pulls every timesheet into one dashboard automatically."
    runs = []
    for _ in range(3):
        monkeypatch.setattr(synth, "_CACHE", {})  # a fresh process's cache
        runs.append(synth.synthesize_turn(text, "en-us+m3", 160).tobytes())
    assert runs[0] == runs[1] == runs[2]


@needs_tts
def test_placement_matches_audio(call: synth.SynthCall) -> None:
    assert call.rep.dtype == np.int16 and call.prospect.dtype == np.int16
    assert call.rep.size == call.prospect.size == round(call.duration_s * SAMPLE_RATE)
    assert [t.speaker for t in call.turns] == [t.speaker for t in TURNS]
    assert call.turns[0].start_s == pytest.approx(0.5)
    for prev, cur, spec in zip(call.turns[:-1], call.turns[1:], TURNS[1:], strict=True):
        assert cur.start_s - prev.end_s == pytest.approx(spec.gap_before_s, abs=1 / SAMPLE_RATE)
    assert call.duration_s - call.turns[-1].end_s == pytest.approx(1.0, abs=1 / SAMPLE_RATE)
    for t in call.turns:
        own, other = (call.rep, call.prospect) if t.speaker == "rep" else (call.prospect, call.rep)
        assert rms_db(span(own, t.start_s, t.end_s)) > -35, t
        assert not span(other, t.start_s, t.end_s).any(), t
    # nothing voiced outside the placed turns
    mask = np.zeros(call.rep.size, dtype=bool)
    for t in call.turns:
        mask[round(t.start_s * SAMPLE_RATE) : round(t.end_s * SAMPLE_RATE)] = True
    assert not call.rep[~mask].any() and not call.prospect[~mask].any()


@needs_tts
def test_talk_time(call: synth.SynthCall) -> None:
    tt = call.talk_time()
    assert set(tt) == {"rep", "prospect"}
    for speaker, ch in (("rep", call.rep), ("prospect", call.prospect)):
        expected = sum(t.end_s - t.start_s for t in call.turns if t.speaker == speaker)
        assert tt[speaker] == pytest.approx(expected)
        # the voiced samples (trimmed ends) fill most of that time
        assert np.count_nonzero(ch) / SAMPLE_RATE == pytest.approx(expected, rel=0.35)


@needs_tts
def test_stereo_layout_and_wav(call: synth.SynthCall, tmp_path: Path) -> None:
    st = call.stereo()
    assert st.shape == (call.rep.size, 2) and st.dtype == np.int16
    assert np.array_equal(st[:, 0], call.rep) and np.array_equal(st[:, 1], call.prospect)
    call.write_wav(tmp_path / "call.wav")
    data, sr = read_wav(tmp_path / "call.wav")
    assert sr == SAMPLE_RATE and np.array_equal(data, st)
    call.write_channels(tmp_path / "rep.wav", tmp_path / "prospect.wav")
    assert np.array_equal(read_wav(tmp_path / "rep.wav")[0], call.rep)
    assert np.array_equal(read_wav(tmp_path / "prospect.wav")[0], call.prospect)
    call.write_wav(tmp_path / "mono.wav", stereo=False)
    assert read_wav(tmp_path / "mono.wav")[0].ndim == 1


@needs_tts
def test_bleed_level_and_delay(call: synth.SynthCall) -> None:
    bled = synthesize_call(TURNS, lead_in_s=0.5, tail_s=1.0, bleed_db=20.0)
    assert np.array_equal(bled.prospect, call.prospect)
    delay = round(synth.BLEED_DELAY_S * SAMPLE_RATE)
    for t in bled.turns:
        if t.speaker != "prospect":
            continue
        a, b = round(t.start_s * SAMPLE_RATE), round(t.end_s * SAMPLE_RATE)
        echo = bled.rep[a + delay : b + delay].astype(np.float64)
        src = call.prospect[a:b].astype(np.float64)
        assert rms_db(echo) - rms_db(src) == pytest.approx(-20.0, abs=0.5)
        # aligned with a 30 ms delay, not 0
        assert np.corrcoef(echo, src)[0, 1] > 0.99
        assert not bled.rep[a : a + delay].any()
    # the rep's own turns are unchanged where the prospect is silent
    for t in bled.turns:
        if t.speaker == "rep":
            seg = slice(round(t.start_s * SAMPLE_RATE), round(t.end_s * SAMPLE_RATE))
            assert np.array_equal(bled.rep[seg], call.rep[seg])


@needs_tts
def test_cli_writes_wav_and_sidecar(tmp_path: Path) -> None:
    turns = [{"speaker": t.speaker, "text": t.text, "gap_before_s": t.gap_before_s} for t in TURNS]
    (tmp_path / "turns.json").write_text(json.dumps(turns))
    out = tmp_path / "call.wav"
    subprocess.run(
        [sys.executable, "-m", "audio.synth", str(out), "--turns", str(tmp_path / "turns.json")],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    data, sr = read_wav(out)
    assert sr == SAMPLE_RATE and data.shape[1] == 2
    side = json.loads(out.with_suffix(".json").read_text())
    assert [t["speaker"] for t in side["turns"]] == [t.speaker for t in TURNS]
    assert side["duration_s"] == pytest.approx(data.shape[0] / SAMPLE_RATE, abs=0.01)
    for t in side["turns"]:
        assert t["end_s"] > t["start_s"]


def test_demo_asset_ships_and_decodes() -> None:
    av = pytest.importorskip("av")
    truth = json.loads((ASSETS / "demo_call.truth.json").read_text())
    audio = ASSETS / truth["audio"]
    assert audio.exists() and audio.stat().st_size < 1_000_000
    with av.open(str(audio)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.channels == 2
        n = sum(frame.samples for frame in container.decode(stream))
        rate = stream.codec_context.sample_rate
    assert n / rate == pytest.approx(truth["duration_s"], abs=0.5)
    turns = truth["turns"]
    assert 18 <= len(turns) <= 26 and turns[-1]["end_s"] < truth["duration_s"]
    script = json.loads((ASSETS / "demo_call.json").read_text())
    assert [t["text"] for t in script] == [t["text"] for t in turns]
    labels = {t["label"] for t in turns if t["speaker"] == "rep"}
    assert labels >= {
        "rapport",
        "credibility",
        "pain_probe",
        "solution_pitch",
        "neediness",
        "buyer_led",
        "perspective",
        "challenges",
        "teaching",
        "neutral",
    }
