"""The refine pass: windows, audio layout and word mapping (pure), revisions in the journal and readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calls.store import load_call
from calls.transcript_md import render_markdown
from core.events import Label, Utterance
from core.journal import JournalWriter
from live.refine import (
    ChannelTail,
    Piece,
    RefineJob,
    RefineWindows,
    Word,
    acceptable_revision,
    covers,
    job_audio,
    joined,
    map_words,
)


def pcm(seconds: float, value: int = 100) -> bytes:
    return np.full(int(seconds * 16000), value, dtype="<i2").tobytes()


def test_windows_fill_per_speaker_and_flush_the_rest() -> None:
    w = RefineWindows(window_s=14.0)
    assert w.add("rep", Piece(1, 0, 4, "a")) is None
    assert w.add("prospect", Piece(2, 4, 8, "b")) is None
    assert w.add("rep", Piece(3, 8, 12, "c")) is None  # 0.3 + 12 + 0.5 <= 14 s of channel audio
    job = w.add("rep", Piece(4, 12, 16, "d"))
    assert job is not None and [p.id for p in job.pieces] == [1, 3] and job.speaker == "rep"
    rest = sorted((j.speaker, [p.id for p in j.pieces]) for j in w.flush())
    assert rest == [("prospect", [2]), ("rep", [4])]
    assert w.flush() == []


def test_the_tail_keeps_recent_audio_on_the_call_clock_and_cuts_windows() -> None:
    tail = ChannelTail(keep_s=5.0)
    for k in range(10):  # 10 s in 1 s frames whose sample value is the second they start at
        tail.append(float(k), pcm(1.0, k))
    audio, at = tail.cut(6.5, 8.5)
    samples = np.frombuffer(audio, dtype="<i2")
    assert at == 6.5 and samples.size == 32000 and set(samples.tolist()) == {6, 7, 8}
    old, at_old = tail.cut(0.0, 6.0)  # only the last 5 s are kept
    assert at_old == 5.0 and np.frombuffer(old, dtype="<i2").size == 16000
    tail.append(12.0, pcm(1.0, 12))  # a gap (paused audio) stays a gap on the clock
    late, at_late = tail.cut(12.0, 13.0)
    assert at_late == 12.0 and set(np.frombuffer(late, dtype="<i2").tolist()) == {12}


def test_words_map_back_to_the_utterance_they_were_spoken_in() -> None:
    job = RefineJob("rep", (Piece(7, 10.0, 12.0, "hello there"), Piece(9, 13.0, 14.0, "how are you")))
    assert job.span == (9.7, 14.5)
    job = RefineJob(job.speaker, job.pieces, pcm(4.8), 9.7)
    assert covers(job)
    audio, spans = job_audio(job)
    assert audio.size == int(4.8 * 16000)
    assert spans == [(7, pytest.approx(0.3), pytest.approx(2.3)), (9, pytest.approx(3.3), pytest.approx(4.3))]
    words = [
        Word(0.4, 0.9, " Hello"),
        Word(1.0, 2.2, " there."),
        Word(2.9, 3.2, " So,"),
        Word(3.4, 4.1, " how are you?"),
    ]
    heard = map_words(words, spans)  # a word in the pause goes to the nearest utterance
    assert {k: joined(v) for k, v in heard.items()} == {7: "Hello there.", 9: "So, how are you?"}
    assert not covers(RefineJob(job.speaker, job.pieces, pcm(1.0), 12.5))  # the audio is gone: no refine


def test_a_revision_must_differ_keep_the_words_and_not_loop() -> None:
    assert acceptable_revision("we need the report", "We need the report by Friday.", 3.0)
    assert not acceptable_revision("we need the report", "We need the report.", 3.0)  # same words
    assert not acceptable_revision("we need the report by friday", "We", 3.0)  # lost a sentence
    assert not acceptable_revision("i am the team", " ".join(["i am the team"] * 10), 3.0)
    assert not acceptable_revision(
        "we need the report", "We need the report by Friday.", 3.0, probability=0.5
    )


def test_readers_take_the_latest_revision_and_mark_a_changed_label(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    neutral = Label("neutral", "neutral", 0.9, "", None)
    j.utterance(Utterance("rep", 1.0, 3.0, "what keeps you at night", 2.0, 0.1, neutral, id=1))
    j.utterance(Utterance("prospect", 4.0, 5.0, "over time", 1.0, 0.1, None, id=2))
    probe = Label("pain_probe", "one-down", 0.8, "keeps you up at night", "Say what you see.")
    j.revision(1, "What keeps you up at night?", probe)
    j.revision(2, "Overtime.", None)
    j.close()
    call = load_call(path)
    rep, prospect = call.lines
    assert rep.text == "What keeps you up at night?" and rep.label == "pain_probe" and rep.nudge
    assert rep.live_text == "what keeps you at night" and rep.label_before == "neutral" and rep.relabelled
    assert prospect.text == "Overtime." and not prospect.relabelled
    assert call.summary.one_down == 1  # recomputed from the revised lines
    md = render_markdown(call)
    assert "What keeps you up at night?" in md and "what keeps you at night" not in md
