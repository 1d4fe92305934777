"""``--keep-audio``: the call's audio on disk, one private WAV per channel beside the journal.

Off by default: recording a call needs the other party's consent in many places, and the
refine pass keeps what it needs in memory only. Written as the call goes (paused audio is
not kept, as it is not transcribed), 0600 like the journal.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path

from core.events import SAMPLE_RATE, AudioFrame, Speaker
from core.journal import audio_path, open_private


class ChannelRecorder:
    """Appends each speaker's frames to ``<journal stem>.<speaker>.wav``."""

    def __init__(self, journal: Path, speakers: tuple[Speaker, ...]) -> None:
        self.paths: dict[Speaker, Path] = {s: audio_path(journal, s) for s in speakers}
        self._files: dict[Speaker, wave.Wave_write] = {}
        for speaker, path in self.paths.items():
            w = wave.open(os.fdopen(open_private(path), "wb"), "wb")  # noqa: SIM115 - closed in close()
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            self._files[speaker] = w

    def write(self, frame: AudioFrame) -> None:
        w = self._files.get(frame.speaker)
        if w is not None:
            w.writeframes(frame.pcm)

    def close(self) -> None:
        for w in self._files.values():
            w.close()
        self._files.clear()
