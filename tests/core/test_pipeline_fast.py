"""The whole pipeline in well under a second: a scripted source, VAD, transcriber and detector.

Real audio through the real model is proven in tests/integration; this test pins the
wiring of the composition root (segmenting per channel, worker, labels, nudges,
coaching, journal, SESSION.md, the end reason) with every heavy stage swapped out.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from classifiers.base import Context
from core.config import Config
from core.events import AudioFrame, EndReason, Event, Label, Mark, Nudge, SessionEnded, Speaker, Utterance
from live.compose import build_session
from live.guards import ChannelConfidence
from live.pipeline import QUIT_REASON, Pipeline
from live.transcriber import Transcription

FRAME_S = 0.02
SILENCE = b"\x00\x00" * 320


def speech(line: int) -> bytes:
    """20 ms of "voiced" audio whose sample value names the script line (1-based) it belongs to."""
    return np.full(320, line, dtype="<i2").tobytes()


SCRIPT: list[tuple[Speaker, float, float, str]] = [
    ("rep", 0.5, 2.5, "what keeps you up at night"),
    ("prospect", 3.5, 5.0, "mostly overtime costs"),
    ("rep", 6.0, 7.0, "sure sounds good"),
]


class ScriptedSource:
    """Two channels of frames: voiced inside the script's spans, silent elsewhere."""

    name = "scripted"
    rep_only = False
    end_reason = None
    end_detail = ""
    overflows = 0

    def frames(self) -> Iterator[AudioFrame]:
        for i in range(int(9.0 / FRAME_S)):
            t = round(i * FRAME_S, 3)
            for speaker in ("rep", "prospect"):
                line = next((i for i, (s, a, b, _) in enumerate(SCRIPT, 1) if s == speaker and a <= t < b), 0)
                yield AudioFrame(speaker, speech(line) if line else SILENCE, t)  # type: ignore[arg-type]

    def close(self) -> None:
        pass

    def take_notices(self) -> list[str]:
        return []


class ScriptedTranscriber:
    """Answers each utterance with the script line its samples name."""

    name = "scripted"

    def warm(self) -> float:
        return 0.0

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        line = round(float(np.abs(audio).max()) * 32768)
        return Transcription(SCRIPT[line - 1][3], -0.1, 0.01)


class KeywordClassifier:
    def warm(self) -> None:
        pass

    def classify(self, text: str, context: Context) -> Label:
        if "up at night" in text:
            return Label("pain_probe", "one-down", 0.9, "up at night", "Name the overtime pattern you see.")
        return Label("neutral", "neutral", 0.9, "", None)


def fake_vad() -> object:
    return lambda pcm: any(pcm)


def scripted_session(
    journal: Path, keep_audio: bool = False, transcriber: ScriptedTranscriber | None = None
) -> Pipeline:
    """The real composition root with every heavy stage swapped for a scripted fake."""
    return build_session(
        Config().with_values({"vad.partial_interval_s": 0}),
        ScriptedSource(),
        journal,
        paced=False,
        keep_audio=keep_audio,
        transcriber=transcriber or ScriptedTranscriber(),
        classifier=KeywordClassifier(),
        vad=fake_vad,  # type: ignore[arg-type]
    )


def test_a_scripted_call_flows_through_every_stage(tmp_path: Path) -> None:
    journal = tmp_path / "call.jsonl"
    events: list[Event] = []
    scripted_session(journal).run(events.append)

    utts = [e for e in events if isinstance(e, Utterance)]
    assert [(u.speaker, u.text) for u in utts] == [(s, t) for s, _, _, t in SCRIPT]
    for u, (_, start, end, _) in zip(utts, SCRIPT, strict=True):
        assert abs(u.start - start) < 0.3 and abs(u.end - end) < 0.3
    assert utts[0].label is not None and utts[0].label.label == "pain_probe"
    assert utts[1].label is None  # the prospect is never labelled
    assert [n.label for n in events if isinstance(n, Nudge)] == ["pain_probe"]
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and ended.reason is EndReason.END_OF_AUDIO

    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["type"] for r in records] == ["session", "utterance", "utterance", "utterance", "summary"]
    for r in records[1:-1]:  # known only after the end silence that closed it, and on the same clock
        assert r["end"] + 0.5 <= r["emitted_at"] <= 9.0
    summary = records[-1]
    assert summary["end_reason"] == "end of audio" and summary["one_down"] == 1
    assert abs(summary["talk_time"]["rep"] - 3.0) < 0.5 and abs(summary["talk_time"]["prospect"] - 1.5) < 0.5
    busy = summary["model_busy_s"]  # the scripted model has no word times, interim decode or refiner
    assert set(busy) == {"final", "words", "peek", "interim", "refine"}
    assert busy["interim"] == busy["refine"] == 0.0 and busy["final"] >= busy["words"] >= 0.0
    md = journal.with_suffix(".md").read_text()
    assert "what keeps you up at night" in md and "One-Up: Name the overtime pattern" in md


def test_keep_audio_writes_each_channel_privately_beside_the_journal(tmp_path: Path) -> None:
    import wave

    from calls.store import delete_session

    journal = tmp_path / "call.jsonl"
    scripted_session(journal, keep_audio=True).run(lambda _e: None)
    for speaker in ("rep", "prospect"):
        path = journal.with_suffix(f".{speaker}.wav")
        assert path.stat().st_mode & 0o777 == 0o600
        with wave.open(str(path)) as w:
            assert w.getnframes() == 9 * 16000 and w.getframerate() == 16000
    removed = delete_session(journal)
    assert journal.with_suffix(".rep.wav") in removed and not journal.with_suffix(".prospect.wav").exists()


def test_without_keep_audio_nothing_but_the_journal_and_transcript_is_written(tmp_path: Path) -> None:
    scripted_session(tmp_path / "call.jsonl").run(lambda _e: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call.jsonl", "call.md"]


class UnlinkingTranscriber(ScriptedTranscriber):
    """The scripted transcriber, which removes the call's journal during its first decode (as
    ``oneup sessions --delete-all --yes`` in another terminal would)."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        self.journal.unlink(missing_ok=True)
        return super().transcribe(audio, channel=channel)


def test_a_journal_removed_during_the_call_still_ends_the_call(tmp_path: Path) -> None:
    """The transcript cannot be made from a journal that is gone (``SessionError``, not an OSError):
    the call still ends, with ``SessionEnded`` saying the transcript was not written."""
    journal = tmp_path / "call.jsonl"
    events: list[Event] = []
    scripted_session(journal, transcriber=UnlinkingTranscriber(journal)).run(events.append)
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and ended.reason is EndReason.END_OF_AUDIO
    assert ended.transcript.startswith("(not written: ") and "no such file" in ended.transcript
    assert not journal.with_suffix(".md").exists()


class HeldTranscriber(ScriptedTranscriber):
    """The scripted transcriber, held inside its first decode until the test lets it go."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        self.entered.set()
        assert self.release.wait(10)
        return super().transcribe(audio, channel=channel)


def test_a_second_stop_drops_what_waits_for_the_model_and_journals_it(tmp_path: Path) -> None:
    """The UI's second q ("quits without waiting"): the two lines still queued behind the decode in
    progress are not transcribed; the journal says so, and the call ends when that decode does."""
    journal = tmp_path / "call.jsonl"
    model = HeldTranscriber()
    session = scripted_session(journal, transcriber=model)
    events: list[Event] = []
    call = threading.Thread(target=session.run, args=(events.append,))
    call.start()
    assert model.entered.wait(10)
    deadline = time.monotonic() + 10
    while not (session._worker is not None and session._worker.pending_speech_s() > 2.0):
        assert time.monotonic() < deadline, "the other two lines never queued"
        time.sleep(0.01)
    session.stop()
    session.stop()
    model.release.set()
    call.join(10)
    assert not call.is_alive()
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["type"] for r in records] == ["session", "dropped", "dropped", "utterance", "summary"]
    assert {r["reason"] for r in records if r["type"] == "dropped"} == {QUIT_REASON}
    assert [(r["speaker"], round(r["start"])) for r in records if r["type"] == "dropped"] == [
        ("prospect", 3),
        ("rep", 6),
    ]
    assert isinstance(events[-1], SessionEnded)


def _ends_for_a_full_disk(session: Pipeline) -> SessionEnded:
    """Run the call: it must end as an error saying the journal could not be written."""
    events: list[Event] = []
    session.run(events.append)
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and ended.reason is EndReason.ERROR
    assert "cannot write the journal: No space left on device" in ended.detail
    return ended


def test_a_disk_that_fills_mid_call_ends_the_call_with_one_error_and_keeps_the_journal(
    tmp_path: Path,
) -> None:
    """The third record (the second line) cannot be written: the call ends as an error that says
    why, what was written before stays readable, and no later record is attempted."""
    journal = tmp_path / "call.jsonl"
    session = scripted_session(journal)
    writer = session._journal
    real = writer.write
    written: list[str] = []

    def write(record: dict[str, object]) -> None:
        if len(written) == 2:
            writer._file.write = lambda _text: (_ for _ in ()).throw(OSError(28, "No space left on device"))  # type: ignore[method-assign]
        written.append(str(record["type"]))
        real(record)

    writer.write = write  # type: ignore[method-assign]
    _ends_for_a_full_disk(session)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["type"] for r in records] == ["session", "utterance"]
    assert records[1]["text"] == "what keeps you up at night"


class NoticingSource(ScriptedSource):
    """The scripted call, with one notice from the source (written as an advisory by the call's thread)."""

    def __init__(self) -> None:
        self._told = False

    def take_notices(self) -> list[str]:
        if self._told:
            return []
        self._told = True
        return ["device reconnected"]


def _failing_after(session: Pipeline, kinds: set[str]) -> None:
    writer = session._journal
    real = writer.write

    def write(record: dict[str, object]) -> None:
        if record["type"] in kinds:
            writer._file.write = lambda _text: (_ for _ in ()).throw(OSError(28, "No space left on device"))  # type: ignore[method-assign]
        real(record)

    writer.write = write  # type: ignore[method-assign]


def test_a_full_disk_on_the_calls_own_thread_ends_the_call_as_an_error_not_a_quit(tmp_path: Path) -> None:
    journal = tmp_path / "call.jsonl"
    session = build_session(
        Config().with_values({"vad.partial_interval_s": 0}),
        NoticingSource(),
        journal,
        paced=True,  # notices are read with the status line, in a paced call
        transcriber=ScriptedTranscriber(),
        classifier=KeywordClassifier(),
        vad=fake_vad,  # type: ignore[arg-type]
    )
    _failing_after(session, {"advisory"})
    _ends_for_a_full_disk(session)


@pytest.mark.parametrize("at_close", [False, True])
def test_a_disk_that_fills_with_the_summary_ends_the_call_saying_so(tmp_path: Path, at_close: bool) -> None:
    """The first write that fails is the last line (the summary), or the flush when the journal is
    closed: the call still ends with ``SessionEnded`` as an error naming the journal, so the CLI says
    where the call up to then is (a byte-size change of the lines before made the summary the first
    failure, and the error escaped ``run`` without it)."""
    journal = tmp_path / "call.jsonl"
    session = scripted_session(journal)
    writer = session._journal
    if at_close:
        real_close = writer._file.close

        def close() -> None:
            real_close()
            raise OSError(28, "No space left on device")

        writer._file.close = close  # type: ignore[method-assign]
    else:
        _failing_after(session, {"summary"})
    ended = _ends_for_a_full_disk(session)
    assert ended.journal == str(journal)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert records[0]["type"] == "session" and any(r["type"] == "utterance" for r in records)


@pytest.mark.parametrize("at_close", [False, True])
def test_a_disk_that_fills_under_the_kept_audio_ends_the_call_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at_close: bool
) -> None:
    """``--keep-audio``: a WAV write (mid-call) or its close (the header, at the end) fails on a full
    disk. The call ends as an error naming the WAV file, with its summary and ``SessionEnded`` (the
    OSError escaped ``run`` before: no summary, no end event; found in review)."""
    from live.recorder import ChannelRecorder

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    class Filling(ChannelRecorder):
        def write(self, frame: AudioFrame) -> None:
            if not at_close and frame.speaker == "rep":
                self._files["rep"].writeframes = full  # type: ignore[method-assign]
            super().write(frame)

        def close(self) -> None:
            if at_close:
                rep = self._files["rep"]
                real = rep.close

                def closed_then_full() -> None:  # the header is written, the flush finds the disk full
                    real()
                    rep.close = real  # type: ignore[method-assign]  # once (wave closes again on delete)
                    full()

                rep.close = closed_then_full  # type: ignore[method-assign]
            super().close()

    monkeypatch.setattr("live.pipeline.ChannelRecorder", Filling)
    journal = tmp_path / "call.jsonl"
    events: list[Event] = []
    scripted_session(journal, keep_audio=True).run(events.append)
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and ended.reason is EndReason.ERROR
    wav = tmp_path / "call.rep.wav"
    assert ended.detail == f"{wav}: cannot write the call's audio: No space left on device"
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert records[-1]["type"] == "summary" and records[-1]["end_reason"].startswith("error: ")


@pytest.mark.parametrize(
    ("stops", "reason", "detail"),
    [
        (["SIGTERM", ""], EndReason.STOPPED, "SIGTERM"),
        (["", "SIGTERM"], EndReason.USER_QUIT, ""),
    ],
)
def test_the_first_stop_says_why_the_call_ended(
    tmp_path: Path, stops: list[str], reason: EndReason, detail: str
) -> None:
    """A kill after the user's q (or q after a kill) does not rename why the call ended."""
    session = scripted_session(tmp_path / "call.jsonl")
    for signal_name in stops:
        session.stop(signal_name)
    events: list[Event] = []
    session.run(events.append)
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and (ended.reason, ended.detail) == (reason, detail)


def test_a_full_disk_when_the_rep_marks_a_moment_ends_the_call_and_not_the_front_end(tmp_path: Path) -> None:
    """``mark`` and ``set_paused`` run on the UI's thread: a failed write must not raise there."""
    journal = tmp_path / "call.jsonl"
    model = HeldTranscriber()
    session = scripted_session(journal, transcriber=model)
    _failing_after(session, {"mark"})
    events: list[Event] = []
    call = threading.Thread(target=session.run, args=(events.append,))
    call.start()
    assert model.entered.wait(10)
    session.mark("price")  # raises nothing
    session.set_paused(True)  # the journal has failed: dropped quietly
    model.release.set()
    call.join(10)
    assert not call.is_alive()
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and ended.reason is EndReason.ERROR
    assert "No space left on device" in ended.detail
    assert not any(isinstance(e, Mark) for e in events)  # the mark was not saved, so not shown
    assert json.loads(journal.read_text().splitlines()[0])["type"] == "session"
