"""The decoder boundary: every format, rate, depth and layout becomes 16 kHz mono int16 per channel."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from audio.decode import AudioInputError, decode_blocks, probe
from audio.source import FileSource
from tests.conftest import SHARED_SPEECH

CLIP = str(SHARED_SPEECH / "cmuarctic_slt_arctic_a0001.wav")

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed (apt-get install sox)")


def sox(out: Path, *args: str) -> Path:
    """sox -n OPTIONS OUT synth ...: output options go before the file, effects after it."""
    cut = args.index("synth")
    subprocess.run(["sox", "-n", *args[:cut], str(out), *args[cut:]], check=True, capture_output=True)
    return out


def decoded(path: Path) -> np.ndarray:
    return np.concatenate(list(decode_blocks(path)), axis=1)


@needs_sox
@pytest.mark.parametrize(
    ("name", "opts"),
    [
        ("u8.wav", ["-r", "8000", "-b", "8", "-e", "unsigned"]),
        ("s16.wav", ["-r", "16000", "-b", "16"]),
        ("s24.wav", ["-r", "44100", "-b", "24"]),
        ("f32.wav", ["-r", "48000", "-b", "32", "-e", "floating-point"]),
        ("x.flac", ["-r", "22050", "-b", "16"]),
        ("x.ogg", ["-r", "48000"]),
    ],
)
def test_formats_rates_and_depths_become_16k_int16(tmp_path: Path, name: str, opts: list[str]) -> None:
    f = sox(tmp_path / name, *opts, "-c", "1", "synth", "1.5", "sine", "440", "vol", "0.5")
    x = decoded(f)
    assert x.dtype == np.int16 and x.shape[0] == 1
    assert x.shape[1] / 16000 == pytest.approx(1.5, abs=0.03)
    # The tone survives: dominant frequency 440 Hz, amplitude about half scale.
    spec = np.abs(np.fft.rfft(x[0].astype(float)))
    assert np.fft.rfftfreq(x.shape[1], 1 / 16000)[spec.argmax()] == pytest.approx(440, abs=5)
    assert np.abs(x).max() == pytest.approx(16384, rel=0.15)


@needs_sox
def test_stereo_keeps_channels_apart(tmp_path: Path) -> None:
    f = sox(tmp_path / "st.wav", "-r", "44100", "-c", "2", "synth", "1", "sine", "300", "sine", "1000")
    x = decoded(f)
    assert x.shape[0] == 2
    freqs = np.fft.rfftfreq(x.shape[1], 1 / 16000)
    peaks = [freqs[np.abs(np.fft.rfft(ch.astype(float))).argmax()] for ch in x]
    assert peaks == pytest.approx([300, 1000], abs=5)


@needs_sox
def test_file_source_frames_are_small_interleaved_and_timed(tmp_path: Path) -> None:
    f = sox(tmp_path / "st.wav", "-r", "16000", "-c", "2", "synth", "1.01", "sine", "300", "sine", "1000")
    src = FileSource(f)
    frames = list(src.frames())
    assert not src.rep_only
    assert [fr.speaker for fr in frames[:4]] == ["rep", "prospect", "rep", "prospect"]
    assert frames[2].start == pytest.approx(0.02)
    assert sum(fr.duration for fr in frames if fr.speaker == "rep") == pytest.approx(1.01, abs=0.001)


@needs_sox
def test_rep_channel_1_swaps_the_sides_of_a_stereo_file(tmp_path: Path) -> None:
    # 0.5 s on the left, 1.5 s on the right: each side's length says which channel it came from.
    left = sox(tmp_path / "l.wav", "-r", "16000", "-c", "1", "synth", "0.5", "sine", "300")
    right = sox(tmp_path / "r.wav", "-r", "16000", "-c", "1", "synth", "1.5", "sine", "1000")
    f = tmp_path / "lr.wav"
    subprocess.run(["sox", "-M", str(left), str(right), str(f)], check=True, capture_output=True)

    def loud_s(src: FileSource, speaker: str) -> float:
        return sum(
            fr.duration
            for fr in src.frames()
            if fr.speaker == speaker and np.abs(np.frombuffer(fr.pcm, "<i2")).max() > 1000
        )

    assert loud_s(FileSource(f), "rep") == pytest.approx(0.5, abs=0.02)
    swapped = FileSource(f, rep_channel=1)
    assert loud_s(swapped, "rep") == pytest.approx(1.5, abs=0.02)
    assert loud_s(FileSource(f, rep_channel=1), "prospect") == pytest.approx(0.5, abs=0.02)
    assert "channel 1" in swapped.name
    with pytest.raises(AudioInputError, match="only in a stereo file"):
        FileSource(left, rep_channel=1)


@needs_sox
def test_prospect_file_is_the_second_channel(tmp_path: Path) -> None:
    rep = sox(tmp_path / "r.wav", "-r", "16000", "-c", "1", "synth", "1", "sine", "300")
    pro = sox(tmp_path / "p.flac", "-r", "48000", "-c", "1", "synth", "2", "sine", "1000")
    src = FileSource(rep, prospect=pro)
    frames = list(src.frames())
    assert sum(fr.duration for fr in frames if fr.speaker == "prospect") == pytest.approx(2.0, abs=0.01)
    assert sum(fr.duration for fr in frames if fr.speaker == "rep") == pytest.approx(1.0, abs=0.01)


@needs_sox
def test_six_channels_is_a_clear_error(tmp_path: Path) -> None:
    f = sox(tmp_path / "six.wav", "-r", "16000", "-c", "6", "synth", "0.5", "sine", "300")
    with pytest.raises(AudioInputError, match="6 channels"):
        list(decode_blocks(f))


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.mp3").write_text("hello, not audio\n")
    (tmp_path / "rand.flac").write_bytes(np.random.default_rng(0).bytes(4096))
    cases = {
        tmp_path / "missing.wav": "no such file",
        tmp_path: "is a directory",
        tmp_path / "empty.wav": "empty file",
        tmp_path / "text.mp3": "not a readable audio file",
        tmp_path / "rand.flac": "not a readable audio file|corrupt header",
        tmp_path / "pipe.wav": "not a regular file",  # was 'empty file (0 bytes)'; never opened
    }
    os.mkfifo(tmp_path / "pipe.wav")
    for path, msg in cases.items():
        with pytest.raises(AudioInputError, match=msg) as info:
            list(decode_blocks(path))
        assert "\n" not in str(info.value)


def test_truncated_header_is_rejected(tmp_path: Path) -> None:
    good = Path(CLIP)
    if not good.exists():
        pytest.skip("shared speech not available")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:30])
    with pytest.raises(AudioInputError):
        list(decode_blocks(cut))


def test_probe_reports_the_original_format() -> None:
    f = SHARED_SPEECH / "librispeech_26-495-0000.flac"
    if not f.exists():
        pytest.skip("shared speech not available")
    info = probe(f)
    assert (info.channels, info.sample_rate, info.codec) == (1, 16000, "flac")
    assert info.duration_s == pytest.approx(9.675, abs=0.01)


def _wav_with_bad_metadata(path: Path) -> Path:
    """A valid WAV whose INFO comment is not UTF-8 (as old recorders write it)."""
    import struct
    import wave

    base = path.with_suffix(".base.wav")
    with wave.open(str(base), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.sin(np.arange(16000) / 10) * 3000).astype("<i2").tobytes())
    data = base.read_bytes()
    value = b"caf\xe9 \xff\xfe bad\x00"
    sub = b"ICMT" + struct.pack("<I", len(value)) + value
    info = b"LIST" + struct.pack("<I", 4 + len(sub)) + b"INFO" + sub
    body = data[12:] + info
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    return path


def test_undecodable_metadata_does_not_stop_decoding(tmp_path: Path) -> None:
    """Catches a PyAV release that changes how tags are decoded (the installed one, whatever it is)."""
    wav = _wav_with_bad_metadata(tmp_path / "tags.wav")
    assert decoded(wav).shape == (1, 16000)
    assert probe(wav).duration_s == pytest.approx(1.0, abs=0.01)


def test_pyav_without_the_metadata_errors_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyAV 19 removed ``open(metadata_errors=)``; this simulates it on an older PyAV."""
    import av

    real_open = av.open

    def open_19(file: str, *args: object, **kwargs: object) -> object:
        if "metadata_errors" in kwargs:
            raise TypeError("open() got an unexpected keyword argument 'metadata_errors'")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(av, "open", open_19)
    clip = tmp_path / "tone.wav"
    sox(clip, "-r", "16000", "-c", "1", "-b", "16", "synth", "0.5", "sine", "440")
    assert decoded(clip).shape == (1, 8000)


def test_a_wav_cut_short_is_decoded_to_its_end_then_reported(tmp_path: Path) -> None:
    """FFmpeg reads a cut WAV to its end without a word; the header says what is missing. What was
    there is decoded (nothing lost), then one error says so (the CLI shows it as a warning)."""
    good = Path(CLIP)
    if not good.exists():
        pytest.skip("shared speech not available")
    data = good.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    blocks: list[np.ndarray] = []
    with pytest.raises(AudioInputError, match=r"cut\.wav: holds 1\.\d s of the 3\.\d s its header declares"):
        for block in decode_blocks(cut):
            blocks.append(block)
    assert abs(np.concatenate(blocks, axis=1).shape[1] - decoded(good).shape[1] / 2) < 800
    decoded(good)  # the whole file: no complaint


@needs_sox
def test_a_wav_streamed_to_a_pipe_declares_no_length_and_is_not_called_short(tmp_path: Path) -> None:
    """sox (0x7FFFF000) and arecord (0x7FFFFFFF) write a placeholder size when they stream to a pipe."""
    tone = sox(tmp_path / "t.wav", "-r", "16000", "-b", "16", "synth", "1", "sine", "440")
    data = bytearray(tone.read_bytes())
    at = data.index(b"data") + 4
    for placeholder in (0x7FFFF000, 0x7FFFFFFF, 0xFFFFFFFF, 0):
        data[at : at + 4] = placeholder.to_bytes(4, "little")
        piped = tmp_path / f"piped{placeholder}.wav"
        piped.write_bytes(bytes(data))
        assert decoded(piped).shape[1] == 16000
