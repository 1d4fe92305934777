"""The one thread that owns the speech model.

Segments are queued here by the ingest thread. Finals (phrases cut at a short pause
included) are never dropped and are served first, in order; interim (partial) requests
are kept only as the latest one per speaker and skipped while any final waits, so
partial text can never delay a final. Refine jobs (``live.refine``) come last in a live
or paced session: they run only when no final and no partial waits, i.e. in the model's
idle time, and at most ``MAX_REFINES`` wait (older ones are dropped: their lines keep
the live text). In file mode nobody waits for a final, so a waiting refine job goes
first: the decoder is back-pressured either way and the audio held for refinement stays
bounded. A final phrase whose text may be cut at a sentence end (``PhraseJoiner.wants_words``) is
decoded a second time, with word timestamps, before its result is handed on. A look ahead
(``SpeechSegment.peek``) is queued and served like a final, in order (it confirms the phrase before
it; never batched), but it is not speech waiting for a line: it is not counted as lag, nor journaled
when dropped, and it is skipped by a transcriber that gives no word times. In a live or paced session
(``skip_stale_peeks``) a look ahead is also skipped when its speaker's next phrase is already queued
behind it: that decode joins the held phrase anyway, so a lagging model does not spend time on a
confirmation that can no longer come sooner.
In file mode the queue of finals is bounded too, which back-pressures the
decoder instead of buffering a whole call.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

import numpy as np

from core.events import Speaker, SpeechSegment
from live.guards import ChannelConfidence
from live.refine import RefineJob, Word, WordTranscriber, covers, job_audio
from live.sentences import without_context
from live.transcriber import (
    BatchTranscriber,
    ContextTranscriber,
    InterimTranscriber,
    Transcriber,
    Transcription,
)

OnResult = Callable[[SpeechSegment, Transcription], None]
Prepare = Callable[[SpeechSegment], SpeechSegment | None]
"""Applied to each final just before it is decoded, in this thread (``PhraseJoiner.join``, or
``PhraseJoiner.peek`` for a look ahead); None: nothing to decode."""
WantsWords = Callable[[SpeechSegment, Transcription], bool]
"""True: decode this final again with word times (``PhraseJoiner.wants_words``)."""
OnRefine = Callable[[RefineJob, list[Word]], None]

MAX_REFINES = 4
"""Refine windows waiting at most (each holds up to 28 s of audio, ~0.9 MB)."""

JOB_KINDS = ("final", "words", "peek", "interim", "refine")
"""What the model's time goes to: final decodes, the second (word-timed) decode of a phrase cut at a
sentence end, look aheads (``SpeechSegment.peek``), interim text, and refine windows
(``TranscriptionWorker.busy_s``)."""

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
        refiner: WordTranscriber | None = None,
        on_refine: OnRefine | None = None,
        refine_first: bool = False,
        prepare: Prepare | None = None,
        wants_words: WantsWords | None = None,
        skip_stale_peeks: bool = False,
    ) -> None:
        self._wants_words = wants_words
        self._skip_stale_peeks = skip_stale_peeks
        self.peeks_skipped = 0
        """Look aheads not decoded because their speaker's next phrase was already queued."""
        self._refine_first = refine_first
        self._prepare = prepare
        self._transcriber = transcriber
        self._refiner = refiner
        self._on_refine = on_refine
        self._refines: deque[RefineJob] = deque()
        self.refines_dropped = 0
        self.busy_s: dict[str, float] = dict.fromkeys(JOB_KINDS, 0.0)
        """Wall seconds the worker spent on each kind of job, almost all of it in the model (a refine
        job includes relabelling its lines); written by the worker thread, read after ``close``, and
        journaled in the summary: where a session's CPU went."""
        self._busy = False
        self._batcher: BatchTranscriber | None = (
            transcriber if batch_channels and isinstance(transcriber, BatchTranscriber) else None
        )
        self._on_result = on_result
        self._max_pending = max_pending
        self._finals: deque[SpeechSegment] = deque()
        self._partials: dict[Speaker, SpeechSegment] = {}
        self._cond = threading.Condition()
        self._closing = False
        self._abandoned = False
        self.error: BaseException | None = None
        self._confidence: defaultdict[Speaker, ChannelConfidence] = defaultdict(ChannelConfidence)
        """What each speaker's recent finals scored, for the transcriber's second-look bar."""
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
                self._partials.pop(segment.speaker, None)  # a final (or a look ahead) is fresher
                while (
                    self._max_pending is not None
                    and len(self._finals) >= self._max_pending
                    and self.error is None
                ):
                    self._cond.wait()
                self._finals.append(segment)
            self._cond.notify_all()

    def submit_refine(self, job: RefineJob) -> None:
        """Queue a refine window; it waits behind every final and partial."""
        if self._refiner is None or self._on_refine is None:
            return
        with self._cond:
            if self._abandoned:
                return
            self._refines.append(job)
            while len(self._refines) > MAX_REFINES:
                self._refines.popleft()
                self.refines_dropped += 1
            self._cond.notify_all()

    def wait_for_finals(self) -> None:
        """Block until every queued final has been transcribed and handled (partials are dropped)."""
        with self._cond:
            self._partials.clear()
            while (self._finals or self._busy) and self.error is None:
                self._cond.wait()

    def abandon(self) -> list[SpeechSegment]:
        """Drop every queued final, partial and refine window, and every refine window submitted
        later (the user quit without waiting); return the dropped finals, so the caller can journal
        them. The decode in progress finishes, and so do the last segments the source flushes."""
        with self._cond:
            dropped = [s for s in self._finals if not s.peek]
            self._finals.clear()
            self._partials.clear()
            self._refines.clear()
            self._abandoned = True
            self._cond.notify_all()
        return dropped

    def pending_speech_s(self) -> float:
        """Seconds of final speech waiting: the 'queue lag' shown to the user."""
        with self._cond:
            return sum(s.end - s.start for s in self._finals if not s.peek)

    def close(self) -> None:
        """Finish every queued final, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _next(self) -> list[SpeechSegment] | RefineJob:
        """The next final (with the other speaker's waiting final when batching), else a partial,
        else a refine job; an empty list when closing with nothing left."""
        with self._cond:
            self._busy = False
            self._cond.notify_all()
            while not self._finals and not self._partials and not self._refines and not self._closing:
                self._cond.wait()
            self._busy = True
            if self._refine_first and self._refines:
                return self._refines.popleft()
            while self._skip_stale_peeks and self._finals and self._stale(self._finals[0]):
                self._finals.popleft()
                self.peeks_skipped += 1
            if self._finals:
                batch = [self._finals.popleft()]
                # Only the other speaker's next segment, so that none overtakes its own speaker's
                # segment before it; and neither a closing segment of silence (nothing to decode: its
                # line, written by ``prepare``, would come first) nor a look ahead (decoded alone).
                other = next((s for s in self._finals if s.speaker != batch[0].speaker), None)
                if other is not None and (other.silent or other.peek or batch[0].peek):
                    other = None
                if self._batcher is not None and other is not None:
                    self._finals.remove(other)
                    batch.append(other)
                self._cond.notify_all()
                return batch
            if self._partials and not self._closing:
                speaker = next(iter(self._partials))
                return [self._partials.pop(speaker)]
            if self._refines:
                return self._refines.popleft()
            self._busy = False
            return []

    def _stale(self, seg: SpeechSegment) -> bool:
        """A look ahead with its speaker's next phrase already queued (lock held)."""
        return seg.peek and any(s.speaker == seg.speaker and not s.peek for s in self._finals)

    def _loop(self) -> None:
        try:
            while item := self._next():
                if isinstance(item, RefineJob):
                    t0 = time.monotonic()
                    self._refine(item)
                    self.busy_s["refine"] += time.monotonic() - t0
                    continue
                segs = item
                if item[0].peek and not isinstance(self._transcriber, ContextTranscriber):
                    continue  # a look ahead needs word times
                if self._prepare is not None and item[0].final:
                    segs = [p for p in map(self._prepare, item) if p is not None]
                    if not segs:
                        continue
                t0 = time.monotonic()
                marks = {s.speaker: self._confidence[s.speaker].recorded for s in segs}
                if len(segs) > 1 and self._batcher is not None and not any(s.context_s for s in segs):
                    results = self._batcher.transcribe_batch([pcm_to_float(s.pcm) for s in segs])
                else:
                    results = [self._transcribe(s) for s in segs]
                t1 = time.monotonic()
                results = [
                    self._with_words(s, r, marks[s.speaker]) for s, r in zip(segs, results, strict=True)
                ]
                t2 = time.monotonic()
                if segs[0].peek:  # the joined decode that follows records this audio's confidence
                    self._retract(segs[0].speaker, marks[segs[0].speaker])
                kind = "peek" if segs[0].peek else "final" if segs[0].final else "interim"
                self.busy_s[kind] += t1 - t0
                self.busy_s["words"] += t2 - t1
                took = t2 - t0
                if not segs[0].final:
                    self._partial_ready_at = time.monotonic() + took * (1 - PARTIAL_DUTY) / PARTIAL_DUTY
                for seg, result in zip(segs, results, strict=True):
                    self._on_result(seg, result)
        except Exception as exc:  # noqa: BLE001 - stored and reported by the pipeline, never swallowed
            with self._cond:
                self.error = exc
                self._finals.clear()
                self._refines.clear()
                self._busy = False
                self._cond.notify_all()

    def _with_words(self, seg: SpeechSegment, result: Transcription, mark: int) -> Transcription:
        """A decode that ``wants_words`` (a phrase to cut at a sentence end) is decoded again with
        word times: only those, since a timed decode is heard worse than a plain one. The timed
        decode stands for the phrase in its speaker's record: the plain one is retracted if the
        transcriber recorded it (``mark``: the record's count before it)."""
        timed = isinstance(self._transcriber, ContextTranscriber)
        if timed and self._wants_words is not None and self._wants_words(seg, result):
            self._retract(seg.speaker, mark)
            return self._timed(seg)
        return result

    def _retract(self, speaker: Speaker, mark: int) -> None:
        """Take back the decode the transcriber recorded for ``speaker`` since the record held ``mark``
        entries, if it recorded one."""
        record = self._confidence[speaker]
        if record.recorded > mark:
            record.retract()

    def _transcribe(self, seg: SpeechSegment) -> Transcription:
        if not seg.final and isinstance(self._transcriber, InterimTranscriber):
            return self._transcriber.transcribe_interim(pcm_to_float(seg.pcm))
        if (seg.context_s or seg.peek) and isinstance(self._transcriber, ContextTranscriber):
            return self._timed(seg)
        channel = self._confidence[seg.speaker]
        return self._transcriber.transcribe(pcm_to_float(without_context(seg).pcm), channel=channel)

    def _timed(self, seg: SpeechSegment) -> Transcription:
        """Decoded with word times; with context, only the words after it."""
        assert isinstance(self._transcriber, ContextTranscriber)
        channel = self._confidence[seg.speaker]
        return self._transcriber.transcribe_after(
            pcm_to_float(seg.pcm), seg.context_s, seg.words_from_s, channel=channel
        )

    def _refine(self, job: RefineJob) -> None:
        assert self._refiner is not None and self._on_refine is not None
        if not covers(job):
            return  # the model lagged so far behind that the window's audio is gone: keep the live text
        audio, _spans = job_audio(job)
        self._on_refine(job, self._refiner.transcribe_words(audio))
