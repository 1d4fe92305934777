"""``--keep-audio``: the call's audio on disk, one private WAV per channel beside the journal.

Off by default: recording a call needs the other party's consent in many places, and the
refine pass keeps what it needs in memory only. Written as the call goes (paused audio is
not kept, as it is not transcribed), 0600 like the journal.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import BinaryIO

from core.events import SAMPLE_RATE, AudioFrame, Speaker
from core.journal import audio_path, open_private


class RecordingError(Exception):
    """A WAV file of ``--keep-audio`` could not be written (a full disk): one line for the user."""


class ChannelRecorder:
    """Appends each speaker's frames to ``<journal stem>.<speaker>.wav``."""

    def __init__(self, journal: Path, speakers: tuple[Speaker, ...]) -> None:
        self.paths: dict[Speaker, Path] = {s: audio_path(journal, s) for s in speakers}
        self._files: dict[Speaker, wave.Wave_write] = {}
        self._raw: dict[Speaker, BinaryIO] = {}
        """The open files under the WAV writers (``wave`` closes only a file it opened itself)."""
        for speaker, path in self.paths.items():
            raw = self._raw[speaker] = os.fdopen(open_private(path), "wb")
            w = wave.open(raw, "wb")  # noqa: SIM115 - both closed in close()
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            self._files[speaker] = w

    def write(self, frame: AudioFrame) -> None:
        w = self._files.get(frame.speaker)
        if w is not None:
            try:
                w.writeframes(frame.pcm)
            except OSError as exc:
                raise self._failure(frame.speaker, exc) from None

    def close(self) -> None:
        """Close every file (their headers get the length written); the first failure is raised once
        all are closed."""
        failed: RecordingError | None = None
        for speaker, w in self._files.items():
            try:
                try:
                    w.close()
                finally:
                    self._raw[speaker].close()
            except OSError as exc:
                failed = failed or self._failure(speaker, exc)
        self._files.clear()
        self._raw.clear()
        if failed is not None:
            raise failed

    def _failure(self, speaker: Speaker, exc: OSError) -> RecordingError:
        return RecordingError(f"{self.paths[speaker]}: cannot write the call's audio: {exc.strerror or exc}")
