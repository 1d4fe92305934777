"""The streaming pipeline: source -> VAD segmenter per channel -> model worker -> label, journal, events.

Threads: the caller of ``run`` is the ingest thread (reads the source, runs the
cheap VAD inline); one worker thread owns the model and does everything after
transcription (classify, coach, journal, emit), so journal order is the order
utterances were finalized and no lock is needed around the coaching state.
The same path serves files (as fast as possible, back-pressured), ``--realtime``
files and live capture.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from audio.decode import AudioInputError
from audio.echo import EchoGate
from audio.segmenter import IsSpeech, Segmenter, frame_energy, webrtc_is_speech
from audio.source import AudioSource
from calls.transcript_md import write_markdown
from classifiers.base import Classifier, Context
from classifiers.turns import TurnContext
from core.coaching import CoachingTracker
from core.config import Config
from core.events import (
    Advisory,
    AudioFrame,
    EndReason,
    Label,
    Level,
    Mark,
    Nudge,
    Partial,
    SessionEnded,
    SessionStarted,
    Speaker,
    SpeechSegment,
    Status,
    Utterance,
    end_text,
    kept_audio,
    speakers_of,
)
from core.journal import JournalError, JournalWriter, markdown_path
from live.recorder import ChannelRecorder, RecordingError
from live.refine import (
    ChannelTail,
    Piece,
    RefineJob,
    RefineWindows,
    Word,
    WordTranscriber,
    acceptable_revision,
    joined,
    map_words,
    mean_probability,
    with_audio,
)
from live.sentences import PhraseJoiner
from live.session import Sink
from live.transcriber import Transcriber, Transcription
from live.worker import TranscriptionWorker

LEVEL_INTERVAL_S = 0.1
"""Level meters update at most this often per channel (UI coalesces further)."""
STATUS_INTERVAL_S = 0.5
LAG_WARN_S = 8.0
"""Speech waiting for the model, in a paced session, before the user is told the machine can't keep up."""
LAG_ADVICE = (
    "Transcription is falling behind this call: run 'oneup bench --save' to pick a setting this "
    "machine keeps up with (or try --model tiny.en --compute-type int8)."
)
ECHO_ADVICE = "Your microphone is picking up the other party (echo): use headphones."
QUIT_REASON = "not transcribed: the user quit without waiting"
FILE_MODE_MAX_PENDING = 4
"""Finals queued ahead of the model when decoding a file as fast as possible (bounds memory)."""


class NudgeGate(Protocol):
    """Decides whether the live view shows a label's nudge now (the journal records it anyway)."""

    def decide(self, label: Label, text: str, call_time: float) -> bool: ...


@dataclass
class Ending:
    """Why the call ended. The first error is the one told: a later one follows from it (the disk
    that filled during the call is still full for the summary line)."""

    reason: EndReason = EndReason.USER_QUIT
    detail: str = ""

    def error(self, detail: str) -> None:
        if self.reason is not EndReason.ERROR:
            self.reason, self.detail = EndReason.ERROR, detail


@dataclass(frozen=True)
class PipelineOptions:
    """How the pipeline treats its source."""

    paced: bool = False
    """True for live capture and --realtime: never block the source, emit level meters."""
    model_description: str = ""
    """Shown in SessionStarted and written to the journal's session line."""
    keep_audio: bool = False
    """Also write the call's audio beside the journal (``live.recorder``; needs consent)."""


def dbfs(pcm: bytes) -> float:
    rms = frame_energy(pcm) / 32768.0
    return max(-120.0, 20 * math.log10(rms)) if rms > 0 else -120.0


class Pipeline:
    """One call session (implements ``live.session.CallSession``)."""

    def __init__(
        self,
        source: AudioSource,
        transcriber: Transcriber,
        classifier: Classifier,
        gate: NudgeGate,
        journal: JournalWriter,
        config: Config,
        options: PipelineOptions | None = None,
        vad: Callable[[], IsSpeech] | None = None,
        refiner: WordTranscriber | None = None,
    ) -> None:
        self._source = source
        self._refiner = refiner
        self._windows = RefineWindows(config.refine.window_s) if refiner is not None else None
        self._tails: dict[Speaker, ChannelTail] = {"rep": ChannelTail(), "prospect": ChannelTail()}
        self._worker: TranscriptionWorker | None = None
        self._recorder: ChannelRecorder | None = None
        self._transcriber = transcriber
        self._classifier = classifier
        self._gate = gate
        self._journal = journal
        self._cfg = config
        self._opts = options or PipelineOptions()
        self._vad = vad
        """Makes one voice detector per channel; None = webrtcvad at the configured aggressiveness."""
        self.journal_path = str(journal.path)
        self.model_description = self._opts.model_description or transcriber.name
        self._tracker = CoachingTracker(config.coach, rep_only=source.rep_only)
        self._echo = None if source.rep_only else EchoGate()
        self._echo_warned = False
        self._lag_warned = False
        self._paused = False
        self._stopping = False
        self._stopped_by = ""
        """The signal that stopped the call first, if one did (else the user quit)."""
        self._abandoned = False
        """Stopped twice: the rest of the queue was dropped, and no last refine windows run."""
        self._write_error: str | None = None
        """The journal could not be written (disk full) from a front end's call: the call ends so."""
        self._call_time = 0.0
        self._turns = TurnContext(config.vad.end_silence_ms / 1000)
        self._contexts: dict[int, Context] = {}
        """Each rep line's detector context, so a revision is judged as the line was."""
        self._last_latency: float | None = None
        self._sink: Sink = lambda _e: None
        self.utterances = 0
        self.revisions = 0
        self.refined_windows = 0
        self._joiner = PhraseJoiner(config.vad.max_utterance_s, config.vad.min_voiced_ms / 1000)
        """Phrases ending mid-sentence wait here for the rest of their sentence (worker thread)."""
        self._counted: dict[int, Utterance] = {}
        """Every journaled utterance as the coaching figures count it now, by id (a revision may
        change its words and label)."""

    # -- CallSession ---------------------------------------------------------------

    def stop(self, signal_name: str = "") -> None:
        """See ``CallSession.stop``: a second call drops what still waits for the model (the UI's
        second q), each dropped segment journaled as such."""
        if self._stopping and self._worker is not None and not self._abandoned:
            self._abandoned = True
            for seg in self._worker.abandon():
                if not seg.silent:
                    self._journal.dropped(seg.speaker, seg.start, seg.end, seg.voiced_s, QUIT_REASON)
        if not self._stopping:
            self._stopped_by = signal_name
        self._stopping = True
        self._source.close()

    def set_paused(self, paused: bool) -> None:
        if paused != self._paused:
            self._paused = paused
            self._front_end_write(lambda: self._journal.paused(paused, self._call_time))

    def mark(self, note: str = "") -> None:
        m = Mark(at=round(self._call_time, 3), note=note)
        if self._front_end_write(lambda: self._journal.mark(m)):
            self._sink(m)

    def _front_end_write(self, write: Callable[[], None]) -> bool:
        """A write asked for by a front end (its thread, not the call's): if the journal cannot be
        written, the call ends as an error saying so, instead of the front end failing."""
        try:
            write()
        except JournalError as exc:
            self._write_error = str(exc)
            self.stop()
            return False
        return True

    def run(self, sink: Sink) -> None:
        self._sink = sink
        opts = self._opts
        self._journal.session(
            model=opts.model_description or self._transcriber.name,
            config=self._cfg.to_dict(),
            source=self._source.name,
            rep_only=self._source.rep_only,
            paced=opts.paced,
        )
        sink(
            SessionStarted(
                journal=self.journal_path,
                model=opts.model_description or self._transcriber.name,
                source=self._source.name,
                rep_only=self._source.rep_only,
            )
        )
        worker = TranscriptionWorker(
            self._transcriber,
            self._on_result,
            max_pending=None if opts.paced else FILE_MODE_MAX_PENDING,
            batch_channels=self._cfg.model.batch_channels,
            refiner=self._refiner,
            on_refine=self._on_refine,
            refine_first=not opts.paced,
            prepare=self._prepare,
            wants_words=self._joiner.wants_words,
            skip_stale_peeks=opts.paced,
        )
        self._worker = worker
        if kept := kept_audio(self._source.rep_only, opts.keep_audio):
            self._recorder = ChannelRecorder(Path(self.journal_path), kept)
        worker.start()
        end = Ending()
        try:
            self._ingest(worker)
            if not self._stopping:
                end = Ending(self._source.end_reason or EndReason.END_OF_AUDIO, self._source.end_detail)
            elif self._stopped_by:
                end = Ending(EndReason.STOPPED, self._stopped_by)
        except AudioInputError as exc:
            # A recording cut short (a killed recorder): keep what was decoded, say why it ended.
            end = Ending(EndReason.INPUT_ENDED_EARLY if self._call_time > 0 else EndReason.ERROR, str(exc))
        except (JournalError, RecordingError) as exc:  # the disk filled: what is on disk stays, the call ends
            end.error(str(exc))
        finally:
            if self._windows is not None and worker.error is None and not self._abandoned:
                # The last window of each speaker: refined now, so the saved transcript is final
                # within seconds of the end (also after 'q').
                worker.wait_for_finals()
                for job in self._windows.flush():
                    worker.submit_refine(self._with_audio(job))
            worker.close()
            try:
                for held in self._joiner.release():  # only after a processing error: keep what was heard
                    self._line(held.segment, held.result)
            except JournalError as exc:
                end.error(str(exc))
            if worker.error is not None:
                # A journal write fails in the worker too (the disk filled): say that, not "processing".
                failed = worker.error if isinstance(worker.error, JournalError) else None
                end.error(str(failed or f"processing failed: {worker.error}"))
            if self._write_error is not None:
                end.error(self._write_error)
            self._finish(end, worker.busy_s)

    # -- ingest thread -------------------------------------------------------------

    def _segmenters(self) -> dict[Speaker, Segmenter]:
        speakers = speakers_of(self._source.rep_only)
        make = self._vad or (lambda: webrtc_is_speech(self._cfg.vad.aggressiveness))
        suppress = self._echo.is_leak if self._echo is not None else None
        vad = self._cfg.vad
        plain = vad if vad.prospect_phrases else replace(vad, phrase_pause_ms=0)
        return {
            s: Segmenter(
                s,
                vad if s == "rep" else plain,
                make(),
                # Interim text is for a live view; a file run as fast as possible has nobody watching.
                partials=(s == "rep" and self._opts.paced),
                suppress=suppress if s == "rep" else None,
                peeks=True,
            )
            for s in speakers
        }

    def _ingest(self, worker: TranscriptionWorker) -> None:
        segs = self._segmenters()
        try:
            self._ingest_frames(segs, worker)
        finally:
            self._flush(segs, worker)  # also after a decode error: decoded speech is kept

    def _ingest_frames(self, segs: dict[Speaker, Segmenter], worker: TranscriptionWorker) -> None:
        next_level = {s: 0.0 for s in segs}
        next_status = 0.0
        paused_flushed = False
        for frame in self._source.frames():
            if worker.error is not None:
                break
            self._call_time = frame.start + frame.duration
            if self._paused:
                if not paused_flushed:
                    self._flush(segs, worker)
                    paused_flushed = True
                continue
            paused_flushed = False
            seg = segs.get(frame.speaker)
            if seg is None:
                continue
            if self._echo is not None:
                if frame.speaker == "prospect":
                    self._echo.observe(frame)
                else:
                    self._echo.listen(frame)
            if self._windows is not None:
                self._tails[frame.speaker].append(frame.start, frame.pcm)
            if self._recorder is not None:
                self._recorder.write(frame)
            for s in seg.push(frame, time.monotonic()):
                self._submit(worker, s)
            if self._opts.paced:
                if frame.start >= next_level[frame.speaker]:
                    next_level[frame.speaker] = frame.start + LEVEL_INTERVAL_S
                    self._sink(Level(frame.speaker, round(dbfs(frame.pcm), 1), frame.start))
                if frame.start >= next_status:
                    next_status = frame.start + STATUS_INTERVAL_S
                    self._sink(self._status(worker, frame))
                    for notice in self._source.take_notices():
                        self._journal.advisory(frame.start, notice)
                        self._sink(Advisory(notice))

    def _flush(self, segs: dict[Speaker, Segmenter], worker: TranscriptionWorker) -> None:
        now = time.monotonic()
        for seg in segs.values():
            for s in seg.flush(now):
                self._submit(worker, s)

    def _submit(self, worker: TranscriptionWorker, seg: SpeechSegment) -> None:
        worker.submit(seg)
        if self._echo is not None and not self._echo_warned and self._echo.sustained:
            self._echo_warned = True
            self._journal.advisory(seg.start, ECHO_ADVICE)
            self._sink(Advisory(ECHO_ADVICE))

    def _status(self, worker: TranscriptionWorker, frame: AudioFrame) -> Status:
        lag = worker.pending_speech_s()
        if lag >= LAG_WARN_S and not self._lag_warned:
            self._lag_warned = True
            self._journal.advisory(frame.start, LAG_ADVICE)
            self._sink(Advisory(LAG_ADVICE))
        return Status(
            queue_lag_s=round(lag, 2),
            last_latency_s=self._last_latency,
            overflows=self._source.overflows,
            call_time=round(frame.start, 2),
        )

    # -- worker thread -------------------------------------------------------------

    def _prepare(self, seg: SpeechSegment) -> SpeechSegment | None:
        """What the worker decodes for a final segment (``PhraseJoiner.join``; for a look ahead,
        ``PhraseJoiner.peek``); None: nothing. A turn's closing segment of silence writes the phrase
        held for it as it is, undecoded."""
        if seg.peek:
            return self._joiner.peek(seg)
        if not seg.silent:
            return self._joiner.join(seg)
        held = self._joiner.close_turn(seg)
        if held is not None:
            self._line(held.segment, held.result)
        return None

    def _on_result(self, seg: SpeechSegment, tr: Transcription) -> None:
        if seg.peek:  # the held sentence is a line now if the words after it confirm its end
            confirmed = self._joiner.confirm(seg, tr)  # (or end a sentence of their own)
            interim = Partial(seg.speaker, seg.start, tr.text)  # the held phrase and what follows
            if confirmed is not None:
                self._joiner.accept(confirmed)
                self._line(confirmed.line, confirmed.result)
                interim = Partial(seg.speaker, confirmed.after_start, confirmed.after)
            if interim.text and seg.speaker == "rep" and self._opts.paced and not self._paused:
                self._sink(interim)  # a look ahead is fresher interim text, at no extra decode
            return
        if not seg.final:
            held = self._joiner.held(seg.speaker)
            if tr.text and not self._paused:
                if held is None:
                    self._sink(Partial(seg.speaker, seg.start, tr.text))
                else:  # the new phrase's interim text after the held start of its sentence
                    self._sink(Partial(seg.speaker, held.segment.start, f"{held.text} {tr.text}".strip()))
            return
        held = self._joiner.held(seg.speaker)
        if not tr.text and held is not None:
            tr = replace(tr, text=held.text)  # the joined decode heard nothing: keep what the phrase gave
        split = self._joiner.split(seg, tr)
        if split is not None:  # its complete sentences are a line now; the rest waits for more
            waits = self._joiner.keep(split, tr)
            self._line(split.line, split.line_result(tr))
            seg, tr = split.rest, split.rest_result(tr)
        else:
            waits = self._joiner.hold(seg, tr)
        if not waits:
            self._joiner.written(seg, tr.text)
            self._line(seg, tr)
            return
        if tr.text and seg.speaker == "rep" and self._opts.paced and not self._paused:
            self._sink(Partial(seg.speaker, seg.start, tr.text))

    def _line(self, seg: SpeechSegment, tr: Transcription) -> None:
        """Journal, label and show one finished line (a turn, or a sentence inside one)."""
        if not tr.text:
            reason = (
                f"{tr.dropped_segments} segment(s) judged not speech (no-speech / log-probability guard)"
                if tr.dropped_segments
                else "the model recognized no words"
            )
            self._journal.dropped(seg.speaker, seg.start, seg.end, seg.voiced_s, reason)
            return
        uid = self.utterances + 1
        label: Label | None = None
        shown = False
        context = self._turns.line(seg.speaker, seg.start, seg.end, tr.text)
        if context is not None:  # a rep line (a prospect's is part of the turn the rep answers)
            label = self._classifier.classify(tr.text, context)
            self._contexts[uid] = context  # a revision of this line is judged in the same context
            if label.nudge:
                shown = self._gate.decide(label, tr.text, seg.start)
        latency = time.monotonic() - seg.received_at
        utt = Utterance(
            id=uid,
            speaker=seg.speaker,
            start=seg.start,
            end=seg.end,
            text=tr.text,
            voiced_s=seg.voiced_s,
            latency_s=round(latency, 3),
            label=label,
            nudge_shown=shown,
            guard=tr.guard,
            dropped_text=tr.dropped_text,
            emitted_at=self._call_time,
        )
        self._journal.utterance(utt)
        self.utterances += 1
        self._counted[uid] = utt
        if self._windows is not None and self._worker is not None:
            job = self._windows.add(seg.speaker, Piece(uid, seg.start, seg.end, tr.text))
            if job is not None:
                self._worker.submit_refine(self._with_audio(job))
        self._last_latency = utt.latency_s
        self._sink(utt)
        self._sink(self._tracker.add(utt))
        if shown and label is not None and label.nudge:
            self._sink(Nudge(label.label, label.stance, label.nudge, label.evidence, seg.start, label.like))

    def _with_audio(self, job: RefineJob) -> RefineJob:
        """The job with its channel's real audio over its utterances (long pauses cut out)."""
        return with_audio(job, self._tails[job.speaker])

    def _on_refine(self, job: RefineJob, words: list[Word]) -> None:
        """Worker thread: journal a revision for every utterance the context decode heard differently."""
        self.refined_windows += 1
        heard = map_words(words, job.spans())
        for piece in job.pieces:
            new, sure = joined(heard[piece.id]), mean_probability(heard[piece.id])
            if not acceptable_revision(piece.text, new, piece.end - piece.start, sure):
                continue
            label = None
            if job.speaker == "rep":
                label = self._classifier.classify(new, self._contexts.get(piece.id, Context(piece.start)))
            self._journal.revision(piece.id, new, label)
            counted = self._counted[piece.id]
            self._tracker.revise(counted, new, label)
            self._counted[piece.id] = replace(counted, text=new, label=label)
            self.revisions += 1

    # -- end -----------------------------------------------------------------------

    def _finish(self, end: Ending, busy_s: dict[str, float]) -> None:
        if self._recorder is not None:
            try:
                self._recorder.close()
            except RecordingError as exc:  # the disk filled: the WAV files hold what was written
                end.error(str(exc))
        summary = self._tracker.summary(self._call_time)
        try:
            self._journal.summary(
                summary
                | {
                    "echo_s": round(self._echo.leaked_s, 2) if self._echo else 0.0,
                    "overflows": self._source.overflows,
                    "model_busy_s": {k: round(v, 2) for k, v in busy_s.items()},
                },
                end_reason=end_text(end.reason, end.detail),
            )
            self._journal.close()
        except JournalError as exc:  # the disk filled with the last line: the call up to it is on disk
            self._journal.close()  # quiet once a write has failed
            end.error(str(exc))
        md = markdown_path(Path(self.journal_path))
        try:
            write_markdown(Path(self.journal_path), md)
            md_path = str(md)
        except OSError as exc:
            md_path = f"(not written: {exc.strerror or exc})"
        except JournalError as exc:  # the journal was removed or replaced meanwhile (SessionError)
            md_path = f"(not written: {exc})"
        self._sink(
            SessionEnded(journal=self.journal_path, transcript=md_path, reason=end.reason, detail=end.detail)
        )
