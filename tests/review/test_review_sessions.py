"""Loading saved calls: complete, cut and damaged journals; the sessions folder; talk over time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calls.store import (
    RECOMPUTED,
    SessionError,
    delete_all,
    delete_session,
    list_sessions,
    load_call,
    resolve,
    share_by_bin,
    talk_by_bin,
)
from tests.review.journals import CALL, MARK_NOTE, ONE_DOWN, ONE_UP, write_call


def test_a_complete_journal_loads_every_line_moment_and_the_recorded_summary(tmp_path: Path) -> None:
    call = load_call(write_call(tmp_path / "c.jsonl"))
    assert [(x.speaker, x.text) for x in call.lines] == [(s.speaker, s.text) for s in CALL]
    assert [m.kind for m in call.moments] == ["mark", "pause", "resume"]
    assert call.marks[0].note == MARK_NOTE
    s = call.summary
    assert not s.recomputed and s.end_reason == "end of audio"
    assert (s.one_down, s.one_up) == (len(ONE_DOWN), len(ONE_UP))
    assert call.problems == ()
    assert call.source == "/calls/dana.wav" and call.started_at is not None


def test_a_cut_journal_gets_the_summary_a_clean_end_would_have_written(tmp_path: Path) -> None:
    full = load_call(write_call(tmp_path / "full.jsonl"))
    cut_path = write_call(tmp_path / "cut.jsonl", summary=False)
    with cut_path.open("a") as fh:
        fh.write('{"type": "utterance", "speaker": "rep", "sta')  # The process died mid-line.
    cut = load_call(cut_path)
    assert cut.summary.recomputed and cut.summary.end_reason == RECOMPUTED
    for name in ("rep_s", "prospect_s", "rep_share", "questions", "longest_rep_monologue_s", "patience_s"):
        assert getattr(cut.summary, name) == pytest.approx(getattr(full.summary, name)), name
    assert dict(cut.summary.labels) == dict(full.summary.labels)
    assert (cut.summary.one_down, cut.summary.one_up) == (full.summary.one_down, full.summary.one_up)
    n = len(cut_path.read_text().splitlines())
    assert cut.problems == (f"{cut_path}:{n}: malformed line skipped",)


def test_a_cut_call_lasts_until_the_last_speech_it_journaled_dropped_too(tmp_path: Path) -> None:
    """Speech that gave no text is journaled as dropped: a call cut after it lasted that long (a QA
    pass found a call killed at 22 s, with events up to 16.65 s, reported as 00:13)."""
    cut_path = write_call(tmp_path / "cut.jsonl", summary=False)
    last = load_call(cut_path).summary.duration_s
    with cut_path.open("a") as fh:
        fh.write(
            json.dumps(
                {"type": "dropped", "speaker": "prospect", "start": last + 2.0, "end": last + 4.5}
                | {"voiced_s": 2.0, "reason": "the model recognized no words"}
            )
            + "\n"
        )
    assert load_call(cut_path).summary.duration_s == pytest.approx(last + 4.5)


def test_recomputation_uses_the_targets_recorded_in_the_session_line(tmp_path: Path) -> None:
    coach = {"coach": {"target_rep_share": 0.5, "target_band": 0.05, "future_knob": 3}}
    call = load_call(write_call(tmp_path / "c.jsonl", summary=False, config=coach))
    assert (call.summary.target_rep_share, call.summary.target_band) == (0.5, 0.05)


def test_garbage_lines_are_reported_with_their_numbers_and_unknown_fields_ignored(tmp_path: Path) -> None:
    path = write_call(tmp_path / "g.jsonl")
    lines = path.read_text().splitlines()
    first_utt = json.loads(lines[1]) | {"emotion": "calm", "speaker_id": 7}  # Fields from a newer version.
    lines[1] = json.dumps(first_utt)
    lines.insert(2, "this is not json")
    lines.insert(4, "[1, 2, 3]")
    lines.insert(6, json.dumps({"type": "utterance", "speaker": "robot", "start": 1, "end": 2, "text": "x"}))
    lines.insert(7, json.dumps({"type": "mark", "at": "soon"}))
    lines.insert(8, json.dumps({"type": "from-the-future", "at": 3}))
    lines.insert(9, "\x00\xff garbage")
    path.write_text("\n".join(lines) + "\n")
    call = load_call(path)
    assert len(call.lines) == len(CALL)
    assert call.problems == (
        f"{path}:3: malformed line skipped",
        f"{path}:5: not a journal record, skipped",
        f"{path}:7: utterance record with a missing or invalid 'speaker/text', skipped",
        f"{path}:8: mark record with a missing or invalid 'at', skipped",
        f"{path}:10: malformed line skipped",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a oneup session journal"),
        ("hello\nworld\n", "not a oneup session journal"),
        ('{"type": "summary"}\n', "not a oneup session journal"),
    ],
)
def test_files_without_a_call_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(content)
    with pytest.raises(SessionError, match=message):
        load_call(path)


def test_missing_file_and_folder_are_errors(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no such file"):
        load_call(tmp_path / "nope.jsonl")
    with pytest.raises(SessionError, match="is a folder"):
        load_call(tmp_path)


def test_sessions_are_listed_newest_first_and_deleted_with_their_transcripts(tmp_path: Path) -> None:
    write_call(tmp_path / "a.jsonl", started_at="2026-01-05T10:00:00+00:00")
    write_call(tmp_path / "b.jsonl", started_at="2026-03-01T09:00:00+00:00", summary=False)
    write_call(tmp_path / "c.jsonl", started_at="2026-02-01T09:00:00+00:00")
    (tmp_path / "c.md").write_text("# transcript")
    (tmp_path / "junk.jsonl").write_text("nothing here\n")
    (tmp_path / "junk.md").write_text("mine too")
    (tmp_path / "notes.txt").write_text("mine")
    rows = list_sessions(tmp_path)
    assert [r.id for r in rows] == ["b", "c", "a"]
    assert [r.complete for r in rows] == [False, True, True]
    assert rows[0].one_down == len(ONE_DOWN) and rows[0].rep_share is not None
    assert rows[0].duration_s == pytest.approx(CALL[-1].end, abs=1.5)

    assert resolve(tmp_path, "c") == tmp_path / "c.jsonl"
    assert resolve(tmp_path, "c.jsonl") == tmp_path / "c.jsonl"
    with pytest.raises(SessionError, match="no session 'zzz'"):
        resolve(tmp_path, "zzz")
    assert delete_session(tmp_path / "c.jsonl") == [tmp_path / "c.jsonl", tmp_path / "c.md"]
    assert [r.id for r in list_sessions(tmp_path)] == ["b", "a"]
    with pytest.raises(SessionError, match="not a oneup session journal"):  # not ours: left alone
        delete_session(tmp_path / "junk.jsonl")
    delete_all(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.jsonl", "junk.md", "notes.txt"]
    assert list_sessions(tmp_path / "absent") == []


def test_talk_over_time_adds_up_to_the_talk_time(tmp_path: Path) -> None:
    call = load_call(write_call(tmp_path / "c.jsonl"))
    bins = talk_by_bin(call, 12)
    assert sum(a for a, _ in bins) == pytest.approx(call.summary.rep_s)
    assert sum(b for _, b in bins) == pytest.approx(call.summary.prospect_s)
    shares = share_by_bin(call, 24)
    assert len(shares) == 24 and all(x is None or 0 <= x <= 1 for x in shares)
    assert shares[0] == pytest.approx(1.0)  # Only the rep speaks in the first seconds.


def test_a_journal_from_a_newer_version_is_read_with_a_warning(tmp_path: Path) -> None:
    from core.journal import JOURNAL_VERSION

    path = tmp_path / "new.jsonl"
    session = {"type": "session", "version": JOURNAL_VERSION + 1, "model": "m", "config": {}, "source": "s"}
    utt = {"type": "utterance", "speaker": "rep", "start": 1.0, "end": 2.0, "text": "hello", "future": 1}
    path.write_text("\n".join(json.dumps(r) for r in (session, utt)) + "\n")
    call = load_call(path)
    assert [line.text for line in call.lines] == ["hello"]
    assert any("newer oneup" in p for p in call.problems)


def test_lines_no_reader_can_use_are_skipped_not_fatal(tmp_path: Path) -> None:
    """NaN (Python's json reads and writes it), nesting deeper than the parser's stack, times beyond
    any call (an end of 1e12 s had the HTML report draw without end) and a lone surrogate escape
    (no file or terminal takes it) each cost their own line, never the call."""
    path = write_call(tmp_path / "odd.jsonl")
    lines = path.read_text().splitlines()
    nan = json.loads(lines[1]) | {"start": float("nan")}
    huge = json.loads(lines[2]) | {"end": 1e12}
    lines[1], lines[2] = json.dumps(nan), json.dumps(huge)
    lines.insert(3, '{"type": "utterance", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    lines[4] = lines[4].replace('"text": "', '"text": "\\ud800 ', 1)
    path.write_text("\n".join(lines) + "\n")
    call = load_call(path)
    assert call.problems == (
        f"{path}:2: malformed line skipped",
        f"{path}:3: utterance record with a missing or invalid 'end', skipped",
        f"{path}:4: malformed line skipped",
    )
    assert len(call.lines) == len(CALL) - 2 and "\ud800" not in call.lines[0].text
    call.lines[0].text.encode("utf-8")  # a surrogate would raise here (and in every report)


def test_a_journal_saved_by_an_editor_with_a_byte_order_mark_keeps_its_session_line(tmp_path: Path) -> None:
    path = write_call(tmp_path / "bom.jsonl")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    call = load_call(path)
    assert call.problems == () and call.started_at is not None


def test_control_characters_in_a_journal_never_reach_the_terminal(tmp_path: Path) -> None:
    """An escape sequence in a hand-edited journal would be handed to the user's terminal by a
    report or ``review --print``."""
    path = write_call(tmp_path / "esc.jsonl")
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"text": "', '"text": "\\u001b[2J\\u0007', 1)
    path.write_text("\n".join(lines) + "\n")
    text = load_call(path).lines[0].text
    assert "\x1b" not in text and "\x07" not in text and text.endswith(CALL[0].text)


def test_a_revision_that_names_no_utterance_costs_its_own_line_not_the_folder(tmp_path: Path) -> None:
    """A revision's id must be an utterance's number: a list or an object (unhashable) used to raise
    out of the reader and take every folder command with it; ``true`` (== 1 in Python) revised line 1."""
    path = write_call(tmp_path / "rev.jsonl")
    with path.open("a") as f:
        for rid in ([1], {"n": 1}, True):
            f.write(json.dumps({"type": "revision", "id": rid, "text": "not said"}) + "\n")
    call = load_call(path)
    count = len(CALL) + 5  # the session, mark, pause, resume and summary lines come before them
    assert call.problems == tuple(
        f"{path}:{n}: revision of an unknown utterance, skipped" for n in range(count + 1, count + 4)
    )
    assert "not said" not in [line.text for line in call.lines]
    assert [r.id for r in list_sessions(tmp_path)] == ["rev"]


@pytest.mark.parametrize("count", ["1e400", "5e9", "-1e400"])
def test_a_summary_count_no_call_reaches_means_the_summary_is_recomputed(tmp_path: Path, count: str) -> None:
    """1e400 is read as infinity (int() of it raised OverflowError past the reader); 5e9 is over
    ``MAX_VALUE``, as the README says of every count."""
    path = write_call(tmp_path / "big.jsonl")
    lines = path.read_text().splitlines()
    assert '"labels": {' in lines[-1]
    lines[-1] = lines[-1].replace('"labels": {', f'"labels": {{"no such label": {count}, ', 1)
    path.write_text("\n".join(lines) + "\n")
    call = load_call(path)
    assert call.problems == (f"{path}: summary line is invalid: recomputed from the utterances",)
    assert call.summary.recomputed and call.summary.one_down == len(ONE_DOWN)


def test_a_start_time_with_no_timestamp_is_no_start_time(tmp_path: Path) -> None:
    """Year 1 at local midnight has no POSIX timestamp in UTC or east of it (``ValueError: year 0 is
    out of range``): the sessions list and the trend sort by it, and raised."""
    from calls.scorecard import trend

    write_call(tmp_path / "old.jsonl", started_at="0001-01-01T00:00:00")
    write_call(tmp_path / "new.jsonl", started_at="2026-02-01T09:00:00+00:00")
    when = load_call(tmp_path / "old.jsonl").started_at
    assert when is None or when.timestamp() < 0  # kept only where this machine can place it
    assert sorted(r.id for r in list_sessions(tmp_path)) == ["new", "old"]
    calls = [load_call(tmp_path / "old.jsonl"), load_call(tmp_path / "new.jsonl")]
    assert sorted(p.id for p in trend(calls)) == ["new", "old"]


def test_control_characters_in_any_field_never_reach_the_terminal(tmp_path: Path) -> None:
    """Not only the spoken text: a label, a mark's note, an advisory, the model and source, the
    summary's label names and end reason all reach reports and the terminal."""
    path = write_call(tmp_path / "esc.jsonl")
    esc = "\x1b]0;x\x07\x9b2J"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for r in records:
        if r["type"] == "session":
            r["model"], r["source"] = f"m{esc}", f"s{esc}"
        elif r["type"] == "utterance" and r.get("label"):
            r["label"] = f"{r['label']}{esc}"
        elif r["type"] == "mark":
            r["note"] = f"n{esc}"
        elif r["type"] == "summary":
            r["labels"] = {f"l{esc}": 1}
            r["end_reason"] = f"e{esc}"
    records.insert(2, {"type": "advisory", "at": 1.0, "message": f"a{esc}"})
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    call = load_call(path)
    fields = [call.model, call.source, call.summary.end_reason, *call.summary.labels]
    fields += [m.note for m in call.moments] + [line.label or "" for line in call.lines]
    assert {call.model, call.source, call.summary.end_reason} == {"m]0;x2J", "s]0;x2J", "e]0;x2J"}
    assert not [f for f in fields if any(c in f for c in "\x1b\x07\x9b")]
    assert "a]0;x2J" in [m.note for m in call.moments]
