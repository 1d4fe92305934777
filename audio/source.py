"""Audio sources: where frames come from (a file now, a sound card in ``audio.capture``).

A source yields ``AudioFrame`` values in call-time order, the two speakers
interleaved, in small blocks as a sound card would deliver them. The pipeline
does not know whether it is listening to a file or a live call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from audio.decode import AudioInputError, decode_blocks, probe
from core.events import SAMPLE_RATE, AudioFrame, EndReason, Speaker

BLOCK_MS = 20
"""Block size pushed into the pipeline: a typical sound-card period."""


class AudioSource(Protocol):
    """Frames in, nothing else: the seam in front of files and sound cards."""

    name: str
    """What the journal records as the call's source."""
    rep_only: bool
    """True when there is no prospect channel (no talk balance)."""
    end_reason: EndReason | None
    """Why ``frames`` stopped early (device lost, duration reached); None at a normal end."""
    end_detail: str
    """More about ``end_reason`` for the user ("no audio for 60 s"); "" when there is nothing to add."""
    overflows: int
    """Input overflows so far (audio the sound card dropped); always 0 for files."""

    def frames(self) -> Iterator[AudioFrame]:
        """Yield frames until the audio ends or ``close`` is called."""
        ...

    def close(self) -> None: ...

    def take_notices(self) -> list[str]:
        """Messages for the user since the last call (e.g. device lost / back)."""
        ...


class _Rechunker:
    """Collects arbitrary-length int16 arrays and hands out fixed-size blocks."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._parts: list[np.ndarray] = []
        self._n = 0

    def add(self, samples: np.ndarray) -> None:
        self._parts.append(samples)
        self._n += samples.size

    def take(self, final: bool = False) -> Iterator[np.ndarray]:
        if self._n < self._size and not (final and self._n):
            return
        data = np.concatenate(self._parts)
        usable = self._n if final else self._n // self._size * self._size
        for off in range(0, usable, self._size):
            yield data[off : min(off + self._size, usable)]
        rest = data[usable:]
        self._parts = [rest] if rest.size else []
        self._n = rest.size


def _blocks_per_channel(path: str, block: int) -> Iterator[list[np.ndarray]]:
    """Yield lists of equal-length per-channel blocks from a file."""
    chunkers: list[_Rechunker] = []
    for arr in decode_blocks(path):
        if not chunkers:
            chunkers = [_Rechunker(block) for _ in range(arr.shape[0])]
        for ch, c in enumerate(chunkers):
            c.add(arr[ch])
        yield from zip(*(list(c.take()) for c in chunkers), strict=True)
    if chunkers:
        yield from zip(*(list(c.take(final=True)) for c in chunkers), strict=True)


def _has_audio(path: str) -> None:
    """Decode the first block now, so an empty or undecodable file fails before the model loads."""
    blocks = decode_blocks(path)
    try:
        next(blocks)
    finally:
        blocks.close()


class FileSource:
    """Plays a recorded call into the pipeline, optionally at wall-clock pace.

    Stereo: channel 0 is the rep (microphone), channel 1 the prospect (loopback), unless
    ``rep_channel`` is 1 (recorders and contact centres differ in which side goes left).
    Mono: the rep alone, unless ``prospect`` names a second file for the other party.
    """

    def __init__(
        self,
        path: str | Path,
        prospect: str | Path | None = None,
        realtime: bool = False,
        rep_channel: int = 0,
    ) -> None:
        self.path = str(path)
        self.prospect_path = str(prospect) if prospect else None
        self.realtime = realtime
        if rep_channel not in (0, 1):
            raise AudioInputError(f"rep channel {rep_channel}: must be 0 or 1")
        self.rep_channel = rep_channel
        info = probe(self.path)
        _has_audio(self.path)
        if rep_channel and info.channels != 2:
            raise AudioInputError(f"{self.path}: the rep is on channel 1 only in a stereo file")
        if self.prospect_path:
            _has_audio(self.prospect_path)
            if info.channels != 1:
                raise AudioInputError(f"{self.path}: with --prospect, the rep file must be mono")
            if probe(self.prospect_path).channels != 1:
                raise AudioInputError(f"{self.prospect_path}: the --prospect file must be mono")
        self.rep_only = info.channels == 1 and not self.prospect_path
        self.name = self.path + (f" + {self.prospect_path}" if self.prospect_path else "")
        if rep_channel:
            self.name += " (rep on channel 1)"
        self.end_reason: EndReason | None = None
        self.end_detail = ""
        self.overflows = 0
        self._stop = threading.Event()

    def close(self) -> None:
        self._stop.set()

    def take_notices(self) -> list[str]:
        return []

    def _channel_blocks(self, block: int) -> Iterator[tuple[tuple[Speaker, np.ndarray], ...]]:
        if not self.prospect_path:
            for chans in _blocks_per_channel(self.path, block):
                if len(chans) == 1:
                    yield (("rep", chans[0]),)
                else:
                    k = self.rep_channel
                    yield (("rep", chans[k]), ("prospect", chans[1 - k]))
            return
        rep = _blocks_per_channel(self.path, block)
        pro = _blocks_per_channel(self.prospect_path, block)
        while True:
            pair: list[tuple[Speaker, np.ndarray]] = []
            r, p = next(rep, None), next(pro, None)
            if r is None and p is None:
                return
            if r is not None:
                pair.append(("rep", r[0]))
            if p is not None:
                pair.append(("prospect", p[0]))
            yield tuple(pair)

    def frames(self) -> Iterator[AudioFrame]:
        block = SAMPLE_RATE * BLOCK_MS // 1000
        t0 = time.monotonic()
        call_time = 0.0
        for chans in self._channel_blocks(block):
            n = max(arr.size for _, arr in chans)
            if self.realtime:
                # A sound card delivers a block once it has been captured: wait for its end.
                delay = t0 + call_time + n / SAMPLE_RATE - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
            if self._stop.is_set():
                return
            for speaker, arr in chans:
                yield AudioFrame(speaker, arr.astype("<i2").tobytes(), call_time)
            call_time += n / SAMPLE_RATE
