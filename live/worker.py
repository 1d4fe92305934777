"""The one thread that owns the speech model.

Segments are queued here by the ingest thread. Finals are never dropped and
are served first, in order; interim (partial) requests are kept only as the
latest one per speaker and skipped while any final waits, so partial text can
never delay a final. In file mode the queue is bounded, which back-pressures
the decoder instead of buffering a whole call in memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from core.events import Speaker, SpeechSegment
from live.transcriber import BatchTranscriber, Transcriber, Transcription

OnResult = Callable[[SpeechSegment, Transcription], None]

PARTIAL_DUTY = 0.5
"""At most this share of the model's time goes to interim text: after a partial, the next one
waits until the model has been free for as long again (so partials adapt to the machine)."""


def pcm_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


class TranscriptionWorker:
    """Runs ``transcriber`` on queued segments in a single thread, calling ``on_result`` there."""

    def __init__(
        self,
        transcriber: Transcriber,
        on_result: OnResult,
        max_pending: int | None = None,
        batch_channels: bool = False,
    ):
        self._transcriber = transcriber
        self._batcher: BatchTranscriber | None = (
            transcriber if batch_channels and isinstance(transcriber, BatchTranscriber) else None
        )
        self._on_result = on_result
        self._max_pending = max_pending
        self._finals: deque[SpeechSegment] = deque()
        self._partials: dict[Speaker, SpeechSegment] = {}
        self._cond = threading.Condition()
        self._closing = False
        self.error: BaseException | None = None
        self._partial_ready_at = 0.0
        """No partial is accepted before this monotonic time (see PARTIAL_DUTY)."""
        self._thread = threading.Thread(target=self._loop, name="oneup-transcriber", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, segment: SpeechSegment) -> None:
        """Queue a segment. Blocks only when bounded (file mode) and full of finals."""
        with self._cond:
            if not segment.final:
                if self._finals or time.monotonic() < self._partial_ready_at:
                    return  # finals first, and partials only while the model has time to spare
                self._partials[segment.speaker] = segment
            else:
                self._partials.pop(segment.speaker, None)
                while (
                    self._max_pending is not None
                    and len(self._finals) >= self._max_pending
                    and self.error is None
                ):
                    self._cond.wait()
                self._finals.append(segment)
            self._cond.notify_all()

    def pending_speech_s(self) -> float:
        """Seconds of final speech waiting: the 'queue lag' shown to the user."""
        with self._cond:
            return sum(s.end - s.start for s in self._finals)

    def close(self) -> None:
        """Finish every queued final, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _next(self) -> list[SpeechSegment]:
        """The next final (with the other speaker's waiting final when batching), else a partial."""
        with self._cond:
            while not self._finals and not self._partials and not self._closing:
                self._cond.wait()
            if self._finals:
                batch = [self._finals.popleft()]
                other = next((s for s in self._finals if s.speaker != batch[0].speaker), None)
                if self._batcher is not None and other is not None:
                    self._finals.remove(other)
                    batch.append(other)
                self._cond.notify_all()
                return batch
            if self._partials and not self._closing:
                speaker = next(iter(self._partials))
                return [self._partials.pop(speaker)]
            return []

    def _loop(self) -> None:
        try:
            while segs := self._next():
                t0 = time.monotonic()
                if len(segs) > 1 and self._batcher is not None:
                    results = self._batcher.transcribe_batch([pcm_to_float(s.pcm) for s in segs])
                else:
                    results = [self._transcriber.transcribe(pcm_to_float(segs[0].pcm))]
                took = time.monotonic() - t0
                if not segs[0].final:
                    self._partial_ready_at = time.monotonic() + took * (1 - PARTIAL_DUTY) / PARTIAL_DUTY
                for seg, result in zip(segs, results, strict=True):
                    self._on_result(seg, result)
        except Exception as exc:  # noqa: BLE001 - stored and reported by the pipeline, never swallowed
            with self._cond:
                self.error = exc
                self._finals.clear()
                self._cond.notify_all()
