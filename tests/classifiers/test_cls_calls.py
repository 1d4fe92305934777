"""The call-level evaluation's data and scoring (the runs themselves: ``classifiers.evaluate --calls``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.base import Context
from classifiers.calls import (
    CALL_SETS,
    HearingError,
    Placed,
    TurnResult,
    _rep_lines,
    load_calls,
    load_hearing,
    rows_of,
    save_hearing,
    score_call,
    score_calls,
)
from classifiers.dataset import (
    CALLS_B_PATH,
    CALLS_C_PATH,
    CALLS_D_PATH,
    CALLS_PATH,
    TRAIN_CALLS_PATH,
    TRAIN_CALLS_SOURCE_PATH,
    load_examples,
)
from core.events import Label, Utterance
from core.journal import JournalWriter
from core.taxonomy import LABELS, NEUTRAL, STANCES


@pytest.mark.parametrize(("path", "ids"), [(CALLS_PATH, range(1, 17)), (CALLS_B_PATH, range(17, 25))])
def test_each_call_set_is_whole_and_at_the_real_distribution(path: Path, ids: range) -> None:
    calls = load_calls(path)
    assert [c["id"] for c in calls] == [f"call-{i:02d}" for i in ids]
    for call in calls:
        turns = call["turns"]
        assert isinstance(turns, list) and turns[0]["speaker"] == "rep", call["id"]
        rep = [t for t in turns if t["speaker"] == "rep"]
        assert all(("label" in t) == (t["speaker"] == "rep") for t in turns), call["id"]
        assert all(t["label"] in LABELS for t in rep), call["id"]
        neutral = sum(t["label"] == NEUTRAL for t in rep) / len(rep)
        assert 0.4 <= neutral <= 0.6, (call["id"], neutral)


def test_accusations_are_counted_over_neutral_and_one_up_turns_only() -> None:
    def turn(gold: str, shown: str, unsure: bool = False) -> TurnResult:
        return TurnResult("call-x", "", gold, shown, unsure, True)

    scores = score_calls(
        [
            turn("neutral", "neediness"),  # accused
            turn("teaching", "teaching"),
            turn("neutral", "neutral", unsure=True),
            turn("rapport", "rapport"),
            turn("pain_probe", "neutral"),  # missed
        ]
    )
    assert scores.false_one_down == pytest.approx(1 / 3)
    assert scores.one_down_recall == pytest.approx(1 / 2)
    assert scores.label_right == pytest.approx(3 / 5) and scores.unsure == pytest.approx(1 / 5)


@pytest.mark.parametrize(
    ("path", "ids"),
    [
        (CALLS_C_PATH, range(49, 73)),
        (CALLS_D_PATH, range(73, 105)),
        (TRAIN_CALLS_SOURCE_PATH, range(25, 49)),
    ],
)
def test_the_later_call_sets_are_whole_and_at_the_real_distribution(path: Path, ids: range) -> None:
    test_each_call_set_is_whole_and_at_the_real_distribution(path, ids)


def test_no_call_is_both_trained_on_and_scored() -> None:
    def rep_lines(path: Path) -> set[str]:  # a long rep turn; "Okay." is in any call
        turns = [t for c in load_calls(path) for t in c["turns"]]  # type: ignore[attr-defined]
        return {t["text"] for t in turns if t["speaker"] == "rep" and len(t["text"].split()) >= 6}

    trained = {c["id"] for c in load_calls(TRAIN_CALLS_SOURCE_PATH)}
    for path in CALL_SETS:  # every set evaluate --calls scores
        assert not trained & {c["id"] for c in load_calls(path)}, path
        assert not rep_lines(TRAIN_CALLS_SOURCE_PATH) & rep_lines(path), path


def test_the_training_calls_rows_are_each_turn_as_written_and_every_line_as_heard() -> None:
    calls = {c["id"]: c for c in load_calls(TRAIN_CALLS_SOURCE_PATH)}
    rows = load_examples(TRAIN_CALLS_PATH)
    raw = [json.loads(line) for line in TRAIN_CALLS_PATH.read_text(encoding="utf-8").splitlines()]
    assert {r["call"] for r in raw} == set(calls)
    assert len(rows) == len(raw)
    for call_id, call in calls.items():
        turns = [t for t in call["turns"] if t["speaker"] == "rep" and not t.get("ambiguous")]  # type: ignore[union-attr]
        written = [r for r in raw if r["call"] == call_id and not r.get("heard")]
        heard = [r for r in raw if r["call"] == call_id and r.get("heard")]
        assert [(r["text"], r["label"]) for r in written] == [(t["text"], t["label"]) for t in turns], call_id
        others = [t for t in turns if STANCES[t["label"]] != "one-down"]
        assert len(heard) >= len(others), call_id  # each neutral or One-Up turn is one line or more
        assert {r["label"] for r in heard} <= {t["label"] for t in turns if STANCES[t["label"]] != "one-down"}
    assert all(e.recognized == bool(r.get("heard")) for e, r in zip(rows, raw, strict=True))


def _heard_call(
    tmp_path: Path, live: dict[str, Label] | None = None
) -> tuple[dict[str, object], list[Placed], Path]:
    """A small written call, where its turns were spoken, and a journal of how it was heard (two buyers
    back to back; a One-Down turn; an ambiguous turn), with the ``live`` verdicts of some lines."""
    specs: list[dict[str, object]] = [
        {"speaker": "rep", "text": "Hi Sam. Thanks for the time.", "label": "neutral"},
        {"speaker": "prospect", "text": "Sure, go ahead."},
        {"speaker": "prospect", "text": "Tom here too."},
        {"speaker": "rep", "text": "Great. Which oven do you run today?", "label": "neutral"},
        {"speaker": "rep", "text": "We are the leader in ovens.", "label": "credibility"},
        {"speaker": "prospect", "text": "Okay."},
        {"speaker": "rep", "text": "Fine then.", "label": "neediness", "ambiguous": True},
    ]
    times = [(0.0, 3.0), (3.7, 5.0), (5.5, 6.5), (7.2, 9.0), (9.7, 12.0), (12.7, 14.0), (14.7, 16.0)]
    call: dict[str, object] = {"id": "call-x", "industry": "bakeries", "turns": specs}
    placed = [
        Placed(str(t["speaker"]), str(t["text"]), a, b, t) for t, (a, b) in zip(specs, times, strict=True)
    ]
    journal = tmp_path / "c.jsonl"
    j = JournalWriter(journal)
    j.session(model="m", config={}, source="s")
    heard = [
        ("rep", 0.1, 1.2, "Hi Sam."),
        ("rep", 1.4, 2.9, "Thanks for the time."),
        ("prospect", 3.8, 4.9, "Sure go ahead."),
        ("prospect", 5.6, 6.4, "Tom here too."),
        ("rep", 7.3, 8.9, "Great, which oven do you run today?"),
        ("rep", 9.8, 11.9, "We are the leader in ovens."),
        ("prospect", 12.8, 13.9, "Okay."),
        ("rep", 14.8, 15.9, "Fine then."),
    ]
    for i, (speaker, start, end, text) in enumerate(heard, start=1):
        label = (live or {}).get(text)
        j.utterance(Utterance(speaker, start, end, text, end - start, 0.1, id=i, label=label))  # type: ignore[arg-type]
    j.close()
    return call, placed, journal


def test_rows_of_a_heard_call_take_each_lines_turn_and_context(tmp_path: Path) -> None:
    """Written turns and heard lines answer the prospect's whole turn (two buyers back to back, as the
    live pipeline joins them); a One-Down turn's heard line and an ambiguous turn are left out."""
    call, placed, journal = _heard_call(tmp_path)
    rows = rows_of(call, placed, journal)
    both = "Sure, go ahead. Tom here too."
    assert [(r["text"], r["label"], r["prospect_prev"], r.get("heard", False)) for r in rows] == [
        ("Hi Sam. Thanks for the time.", "neutral", None, False),
        ("Great. Which oven do you run today?", "neutral", both, False),
        ("We are the leader in ovens.", "credibility", both, False),
        ("Hi Sam.", "neutral", None, True),
        ("Thanks for the time.", "neutral", None, True),
        ("Great, which oven do you run today?", "neutral", "Sure go ahead. Tom here too.", True),
    ]
    assert {r["call"] for r in rows} == {"call-x"} and rows[4]["minute"] == round(1.4 / 60, 3)


class _Judge:
    """A detector that calls a line with "leader" in it credibility, and notes each context it got."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, str | None]] = []

    def warm(self) -> None: ...

    def classify(self, text: str, context: Context) -> Label:
        self.seen.append((text, context.prospect_prev, context.turn_prev))
        if "leader" in text:
            return Label("credibility", "one-down", 0.9, "the leader", "Say what you know instead.")
        return Label("neutral", "neutral", 0.8, "", None)


def test_a_kept_hearing_is_judged_again_in_the_context_the_live_call_gave(tmp_path: Path) -> None:
    """``--keep`` then ``--heard``: the same turns come back, the live verdicts score as they were, and
    another detector judges every rep line again with the live context (the prospect's whole turn, the
    rep's previous line of the same turn)."""
    call, placed, journal = _heard_call(
        tmp_path, live={"Hi Sam.": Label("rapport", "one-down", 0.7, "", "n")}
    )
    save_hearing(call, placed, journal, tmp_path / "kept")
    back, kept = load_hearing(call, tmp_path / "kept")
    assert back == placed and kept.read_bytes() == journal.read_bytes()

    def shown(results: list[TurnResult]) -> list[tuple[str, str]]:
        return [(r.text, r.shown) for r in results]

    assert shown(score_call(call, back, _rep_lines(kept))) == [
        ("Hi Sam. Thanks for the time.", "rapport"),
        ("Great. Which oven do you run today?", "neutral"),
        ("We are the leader in ovens.", "neutral"),
    ]
    judge = _Judge()
    assert shown(score_call(call, back, _rep_lines(kept, judge))) == [
        ("Hi Sam. Thanks for the time.", "neutral"),
        ("Great. Which oven do you run today?", "neutral"),
        ("We are the leader in ovens.", "credibility"),
    ]
    both = "Sure go ahead. Tom here too."
    assert judge.seen == [
        ("Hi Sam.", None, None),
        ("Thanks for the time.", None, "Hi Sam."),
        ("Great, which oven do you run today?", both, None),
        ("We are the leader in ovens.", both, None),
        ("Fine then.", "Okay.", None),
    ]


def test_a_kept_hearing_that_is_missing_or_of_other_turns_is_refused(tmp_path: Path) -> None:
    call, placed, journal = _heard_call(tmp_path)
    save_hearing(call, placed, journal, tmp_path / "kept")
    turns = call["turns"]
    assert isinstance(turns, list)
    with pytest.raises(HearingError, match="other turns"):
        load_hearing({**call, "turns": turns[:-1]}, tmp_path / "kept")
    edited = [{**t, "text": "Hi Sam, thanks."} if i == 0 else t for i, t in enumerate(turns)]
    with pytest.raises(HearingError, match="other turns"):
        load_hearing({**call, "turns": edited}, tmp_path / "kept")
    with pytest.raises(HearingError, match="no kept hearing of call-y"):
        load_hearing({**call, "id": "call-y"}, tmp_path / "kept")
    (tmp_path / "kept" / "call-x.turns.json").write_text("[{", encoding="utf-8")
    with pytest.raises(HearingError, match="call-x.turns.json: not a kept hearing"):
        load_hearing(call, tmp_path / "kept")


def test_training_rows_from_a_folder_without_the_hearings_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from classifiers.calls import main

    code = main(["training", "--out", str(tmp_path / "rows.jsonl"), "--heard", str(tmp_path)])
    err = capsys.readouterr().err
    assert (
        code == 2 and err.count("\n") == 1 and "no kept hearing of call-25 (keep them with --keep" in err
    ), err
    assert not (tmp_path / "rows.jsonl").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--heard", "."], "--keep and --heard go with --calls"),
        (["--keep", "x"], "--keep and --heard go with --calls"),
        (["--calls", "--heard", "no/such/dir"], "--heard no/such/dir: no such folder"),
        (["--calls", "--keep", "a", "--heard", "."], "one or the other"),
        (["--calls", "--heard", "."], "--heard: .: no kept hearing of call-01"),
    ],
)
def test_evaluate_refuses_kept_hearings_it_cannot_use_before_any_work(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from classifiers.evaluate import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr()
    assert exit_.value.code == 2 and message in err.err and not err.out, err
