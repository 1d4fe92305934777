"""Decode any common audio file into the internal format, streaming.

This is the one place where formats, sample rates, bit depths and channel
layouts are converted: everything after it sees 16 kHz mono int16 per channel.
PyAV (FFmpeg, already a faster-whisper dependency) reads wav/flac/mp3/ogg/m4a
and 8/16/24/32-bit and float PCM; decoding is incremental so a 3-hour file
never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from core.events import SAMPLE_RATE
from core.paths import not_regular


class AudioInputError(Exception):
    """The input cannot be used as audio; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    path: str
    channels: int
    sample_rate: int
    codec: str
    duration_s: float | None
    """From the container; None when the container does not say (raw streams)."""


def open_container(path: Path) -> av.container.InputContainer:
    """``av.open`` that tolerates undecodable metadata tags on every supported PyAV.

    PyAV <= 18 raises UnicodeDecodeError on a tag that is not UTF-8 unless asked to
    ignore errors (``metadata_errors``); PyAV 19 removed that argument and decodes
    tags leniently itself. tests/core/test_decode.py covers both sides.
    """
    try:
        return av.open(str(path), metadata_errors="ignore")
    except TypeError:  # PyAV >= 19: no such argument, and no longer needed
        return av.open(str(path))


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise AudioInputError(f"{path}: no such file")
    if path.is_dir():
        raise AudioInputError(f"{path}: is a directory, not an audio file")
    if not_regular(path):  # read twice (probe, then decode): a pipe would be used up by the first
        raise AudioInputError(f"{path}: not a regular file (a pipe or a device); save the audio to a file")
    if path.stat().st_size == 0:
        raise AudioInputError(f"{path}: empty file (0 bytes)")
    try:
        return open_container(path)
    except PermissionError:
        raise AudioInputError(f"{path}: permission denied") from None
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise AudioInputError(f"{path}: not a readable audio file (unknown or corrupt format)") from None


def probe(path: str | Path) -> AudioInfo:
    """Check that ``path`` is usable audio and describe it, without decoding it."""
    p = Path(path)
    with _open(p) as container:
        stream = _audio_stream(container, p)
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        return AudioInfo(
            path=str(p),
            channels=stream.codec_context.channels,
            sample_rate=stream.codec_context.sample_rate,
            codec=stream.codec_context.name,
            duration_s=duration,
        )


def _audio_stream(
    container: av.container.InputContainer, path: Path, max_channels: int = 2
) -> av.audio.stream.AudioStream:
    streams = container.streams.audio
    if not streams:
        raise AudioInputError(f"{path}: contains no audio stream")
    stream = streams[0]
    if stream.codec_context is None:  # FFmpeg knows the container but has no decoder for the codec
        raise AudioInputError(f"{path}: unsupported audio codec")
    channels = stream.codec_context.channels
    if not channels or not stream.codec_context.sample_rate:
        raise AudioInputError(f"{path}: audio stream has no channels or sample rate (corrupt header)")
    if channels > max_channels:
        raise AudioInputError(
            f"{path}: has {channels} channels; oneup takes mono (rep) or stereo "
            f"(ch0 rep, ch1 prospect): downmix first, e.g. sox IN OUT remix 1 2"
        )
    return stream


def decode_blocks(path: str | Path, max_channels: int = 2) -> Generator[np.ndarray, None, None]:
    """Yield int16 blocks of shape (channels, n) at 16 kHz, in file order.

    Raises AudioInputError before the first block for unusable files and
    mid-stream for corrupt data (what was yielded before stays valid).
    """
    p = Path(path)
    with _open(p) as container:
        stream = _audio_stream(container, p, max_channels)
        channels = stream.codec_context.channels
        layout = "stereo" if channels == 2 else "mono"
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=SAMPLE_RATE)
        yielded = False
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    block = out.to_ndarray()
                    if block.size:
                        yielded = True
                        yield block
            for out in resampler.resample(None):
                block = out.to_ndarray()
                if block.size:
                    yielded = True
                    yield block
        except (av.error.FFmpegError, ValueError):
            where = "after some audio" if yielded else "before any audio"
            raise AudioInputError(f"{p}: corrupt audio data {where}") from None
        if not yielded:
            raise AudioInputError(f"{p}: contains no audio samples (0 seconds)")
        short = wav_shortfall(p) if container.format.name == "wav" else None
        if short is not None:
            have, declared = short
            raise AudioInputError(f"{p}: holds {have:.1f} s of the {declared:.1f} s its header declares")


STREAMING_SIZE = 0x7FFF0000
"""A WAV data size this large is a streaming writer's placeholder, not a length (18 h at 16 kHz)."""


def wav_shortfall(path: Path) -> tuple[float, float] | None:
    """(seconds present, seconds declared) for a WAV file cut short, else None. FFmpeg decodes such a
    file to its end without a word (a FLAC cut short raises); the RIFF header still says how long the
    recording was meant to be. A size of 0, or 0x7FFF0000 and up (the placeholders of writers that
    stream to a pipe and cannot go back: sox writes 0x7FFFF000, arecord 0x7FFFFFFF, others
    0xFFFFFFFF), declares nothing; RF64 and odd layouts are not judged."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
            if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            byte_rate = 0
            while len(chunk := f.read(8)) == 8:
                name, size = chunk[:4], int.from_bytes(chunk[4:], "little")
                if name == b"fmt ":
                    fmt = f.read(size)
                    byte_rate = int.from_bytes(fmt[8:12], "little")
                    f.seek(size % 2, 1)
                elif name == b"data":
                    if size == 0 or size >= STREAMING_SIZE or byte_rate <= 0:
                        return None
                    have = path.stat().st_size - f.tell()
                    missing_s = (size - have) / byte_rate
                    return (have / byte_rate, size / byte_rate) if missing_s > 0.05 else None
                else:
                    f.seek(size + size % 2, 1)
    except OSError:
        return None
    return None
