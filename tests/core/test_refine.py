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
    KEEP_S,
    MAX_SPAN_S,
    ChannelTail,
    Piece,
    RefineJob,
    RefineWindows,
    Word,
    acceptable_revision,
    audio_seconds,
    covers,
    job_audio,
    joined,
    map_words,
    with_audio,
)


def pcm(seconds: float, value: int = 100) -> bytes:
    return np.full(int(seconds * 16000), value, dtype="<i2").tobytes()


def test_windows_fill_per_speaker_and_flush_the_rest() -> None:
    w = RefineWindows(window_s=14.0)
    assert w.add("rep", Piece(1, 0, 4, "a")) is None
    assert w.add("prospect", Piece(2, 4, 8, "b")) is None
    assert w.add("rep", Piece(3, 8, 12, "c")) is None  # 4.5 + 4.8 s of audio: the 4 s pause is cut
    job = w.add("rep", Piece(4, 12, 18, "d"))  # 4.5 + 10.8 s > 14
    assert job is not None and [p.id for p in job.pieces] == [1, 3] and job.speaker == "rep"
    rest = sorted((j.speaker, [p.id for p in j.pieces]) for j in w.flush())
    assert rest == [("prospect", [2]), ("rep", [4])]
    assert w.flush() == []


def test_a_window_counts_speech_not_the_other_speakers_turns_up_to_a_span() -> None:
    assert audio_seconds([Piece(1, 10, 14, "a"), Piece(2, 40, 44, "b")]) == pytest.approx(9.6)
    assert audio_seconds([Piece(1, 10, 14, "a"), Piece(2, 15.5, 18, "b")]) == pytest.approx(8.8)  # a 1.5 s
    # pause is the speaker's own: kept whole
    w = RefineWindows(window_s=28.0)
    assert w.add("rep", Piece(1, 10, 14, "a")) is None
    assert w.add("rep", Piece(2, 40, 44, "b")) is None  # 9.6 s of audio over 34.8 s of call
    job = w.add("rep", Piece(3, 70, 72, "c"))  # within 28 s of audio, but 62.8 s of call: over MAX_SPAN_S
    assert job is not None and [p.id for p in job.pieces] == [1, 2]
    assert MAX_SPAN_S + 60.0 <= KEEP_S  # a window's audio outlasts a model lagging 60 s behind


def test_a_window_stops_its_margins_at_the_speakers_lines_outside_it() -> None:
    """Sentence lines of one turn follow each other within tenths of a second: a window's 0.3/0.5 s
    margins reached into the neighbouring line, and its words were given to the window's own first
    or last line (the demo call saved "Understood. So..." while the next line kept its "So")."""
    w = RefineWindows(window_s=8.0)
    assert w.add("rep", Piece(1, 10.0, 13.0, "a")) is None
    assert w.add("rep", Piece(2, 13.2, 16.0, "b")) is None
    first = w.add("rep", Piece(3, 16.2, 20.0, "c"))  # 6.3 + 4.3 s > 8 s
    assert first is not None and [p.id for p in first.pieces] == [1, 2]
    assert (first.before_s, first.after_s) == (None, 16.2)
    tail = ChannelTail(keep_s=60.0)
    for k in range(30):  # 30 s in 1 s frames whose sample value is the second they start at
        tail.append(float(k), pcm(1.0, k))
    assert with_audio(first, tail).ranges == (pytest.approx((9.7, 16.2)),)  # not 16.5: line 3 is there
    (last,) = w.flush()
    assert [p.id for p in last.pieces] == [3] and (last.before_s, last.after_s) == (16.0, None)
    assert with_audio(last, tail).ranges == (pytest.approx((16.0, 20.5)),)  # not from 15.9
    # A neighbour farther away than the margins changes nothing; one inside a line never cuts it.
    far = RefineJob("rep", (Piece(1, 10.0, 13.0, "a"),), before_s=5.0, after_s=20.0)
    assert with_audio(far, tail).ranges == (pytest.approx((9.7, 13.5)),)
    odd = RefineJob("rep", (Piece(1, 10.0, 13.0, "a"),), before_s=11.0, after_s=12.0)
    assert with_audio(odd, tail).ranges == (pytest.approx((10.0, 13.0)),)


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
    tail = ChannelTail(keep_s=60.0)
    for k in range(30):  # 30 s in 1 s frames whose sample value is the second they start at
        tail.append(float(k), pcm(1.0, k))
    job = RefineJob("rep", (Piece(7, 10.0, 12.0, "hello there"), Piece(9, 20.0, 21.0, "how are you")))
    job = with_audio(job, tail)
    assert job.ranges == (pytest.approx((9.7, 12.5)), pytest.approx((19.7, 21.5)))
    assert covers(job)
    audio, spans = job_audio(job)
    assert audio.size == int(4.6 * 16000)  # the 7 s pause between them is cut to the margins
    seconds = np.frombuffer(job.pcm, dtype="<i2")
    assert set(seconds[: int(2.8 * 16000)].tolist()) == {9, 10, 11, 12}
    assert set(seconds[int(2.8 * 16000) :].tolist()) == {19, 20, 21}
    assert spans == [(7, pytest.approx(0.3), pytest.approx(2.3)), (9, pytest.approx(3.1), pytest.approx(4.1))]
    words = [
        Word(0.4, 0.9, " Hello"),
        Word(1.0, 2.2, " there."),
        Word(2.7, 3.0, " So,"),
        Word(3.2, 4.0, " how are you?"),
    ]
    heard = map_words(words, spans)  # a word in the pause goes to the nearest utterance
    assert {k: joined(v) for k, v in heard.items()} == {7: "Hello there.", 9: "So, how are you?"}
    short = ChannelTail(keep_s=12.0)  # the model lagged: the first utterance's audio is gone
    for k in range(30):
        short.append(float(k), pcm(1.0, k))
    assert not covers(with_audio(job, short))


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
    assert "**[00:01] Rep:** What keeps you up at night?" in md
    # The live text appears only where the transcript says what the live coach showed.
    assert (
        md.count("what keeps you at night") == 1
        and "label was neutral (live text: what keeps you at night)" in md
    )
