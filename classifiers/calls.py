"""Call-level evaluation: whole synthesized calls through the real pipeline, scored turn by turn.

``python -m classifiers.evaluate --calls`` speaks every call of ``eval_calls.jsonl``
(16 calls by three writers who saw no other data file, at the real distribution, in
industries the training set lacks), of ``eval_calls_b.jsonl`` (8 calls written after the
detector was built), of ``eval_calls_c.jsonl`` (24 calls by six more writers, never trained on) and of
``eval_calls_d.jsonl`` (32 calls by eight more; each set scored apart, as the measure of calls the
detector has not seen) with espeak-ng,
one voice per party on its own channel, runs ``oneup run`` on it (VAD, tiny.en, the
detector, exactly as a user would) and compares the verdict presented for each rep turn with
the writer's label.
A turn that the VAD split into several utterances takes the strongest confident
verdict among them, as a turn does among its sentences. Turns with
``"ambiguous": true`` are left out of the scores.

``--keep DIR`` keeps each call's hearing (``save_hearing``) and ``--heard DIR`` scores kept hearings
with today's detector, judging each heard line again in the context the live call gave it.

``python -m classifiers.calls training`` runs the training calls (``calls_train13.jsonl``) the same
way and writes their rep turns, as written and line by line as heard, as the head's training rows
(``train_calls13.jsonl``; ``training_rows``); ``--heard DIR`` reads their kept hearings instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifiers.base import Classifier, Context
from classifiers.dataset import (
    CALLS_B_PATH,
    CALLS_C_PATH,
    CALLS_D_PATH,
    CALLS_PATH,
    TRAIN_CALLS_PATH,
    TRAIN_CALLS_SOURCE_PATH,
)
from classifiers.turns import TurnContext, recorded_turn_gap_s
from core.events import Speaker
from core.journal import JournalError, iter_journal, label_record
from core.taxonomy import STANCES


class HearingError(Exception):
    """A kept hearing that is missing, unreadable, or of other turns than its call (one line to print)."""


@dataclass(frozen=True)
class TurnResult:
    call: str
    text: str
    gold: str
    shown: str
    """The presented label ("neutral" when unsure or when no utterance covered the turn)."""
    unsure: bool
    heard: bool
    """Whether any recognized utterance covered the turn."""


def load_calls(path: Path = CALLS_PATH) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _hear(
    call: dict[str, object], workdir: Path, min_confidence: float | None, keep: Path | None = None
) -> tuple[list[Placed], Path]:
    """Speak the call (one voice per party, each on its own channel) and run ``oneup run`` on it; the
    placed turns and the journal written (the hearing kept in ``keep`` too, when given)."""
    from audio.synth import Turn, synthesize_call

    raw = call["turns"]
    assert isinstance(raw, list)
    turns = [Turn(t["speaker"], t["text"], gap_before_s=0.7, label=t.get("label")) for t in raw]
    synth = synthesize_call(turns)
    wav, journal = workdir / f"{call['id']}.wav", workdir / f"{call['id']}.jsonl"
    synth.write_wav(wav)
    cmd = [sys.executable, "-m", "cli", "run", str(wav), "--out", str(journal), "--force"]
    if min_confidence is not None:
        cmd += ["--min-confidence", str(min_confidence)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wav.unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"oneup run failed on {call['id']}: {proc.stderr.strip()[-300:]}")
    placed = [
        Placed(t.speaker, t.text, t.start_s, t.end_s, spec) for t, spec in zip(synth.turns, raw, strict=True)
    ]
    if keep is not None:
        save_hearing(call, placed, journal, keep)
    return placed, journal


@dataclass(frozen=True)
class Placed:
    """One turn of a written call where the synthesized audio put it."""

    speaker: Speaker
    text: str
    start_s: float
    end_s: float
    spec: dict[str, object]
    """The turn as written (its ``label``, ``ambiguous``)."""


def _rep_turn(start: float, end: float, placed: Sequence[Placed]) -> int | None:
    """The index (into ``placed``) of the rep turn a line overlaps most, or None."""
    overlaps = [
        (min(end, t.end_s) - max(start, t.start_s), i) for i, t in enumerate(placed) if t.speaker == "rep"
    ]
    best, index = max(overlaps)
    return index if best > 0 else None


def _run_call(
    call: dict[str, object], workdir: Path, min_confidence: float | None, keep: Path | None
) -> list[TurnResult]:
    placed, journal = _hear(call, workdir, min_confidence, keep)
    return score_call(call, placed, _rep_lines(journal))


def score_call(
    call: dict[str, object], placed: Sequence[Placed], utts: Sequence[dict[str, Any]]
) -> list[TurnResult]:
    """The presented verdict of each rep turn: the strongest confident verdict among the rep lines
    (``utts``, journal records) that overlap it most, else neutral."""
    heard: dict[int, list[dict[str, Any]]] = {i: [] for i, t in enumerate(placed) if t.speaker == "rep"}
    for u in utts:
        index = _rep_turn(u["start"], u["end"], placed)
        if index is not None:
            heard[index].append(u)
    results = []
    for i, turn in enumerate(placed):
        if turn.speaker != "rep" or turn.spec.get("ambiguous"):
            continue
        found = heard[i]
        confident = [u for u in found if u.get("label") not in (None, "neutral")]
        if confident:
            top = max(confident, key=lambda u: (u.get("confidence") or 0.0, u.get("stance") == "one-down"))
            shown, unsure = str(top["label"]), False
        else:
            shown, unsure = "neutral", any(u.get("unsure") for u in found)
        results.append(
            TurnResult(str(call["id"]), turn.text, str(turn.spec["label"]), shown, unsure, bool(found))
        )
    return results


def _lines(journal: Path) -> Iterator[tuple[dict[str, Any], Context | None]]:
    """Every utterance record of a journal in the order the live pipeline wrote (and judged) them, with
    the context the detector got for a rep line (``TurnContext``, as ``review --reclassify`` rebuilds
    it); None for a prospect line."""
    records = [r for _n, r, _w in iter_journal(journal) if r]
    config = next((r.get("config") for r in records if r["type"] == "session"), None)
    turns = TurnContext(recorded_turn_gap_s(config if isinstance(config, dict) else {}))
    for u in records:
        if u["type"] == "utterance":
            yield u, turns.line(u["speaker"], u["start"], u["end"], u["text"])


def _rep_lines(journal: Path, classifier: Classifier | None = None) -> list[dict[str, Any]]:
    """The rep's utterance records: as the live call judged them or, given a ``classifier``, judged
    again by it in the same context (the heard text is the same, so only the detector differs)."""
    lines = []
    for u, context in _lines(journal):
        if context is None:
            continue
        if classifier is not None:
            u = {**u, **label_record(classifier.classify(u["text"], context))}  # as the live call wrote it
        lines.append(u)
    return lines


def save_hearing(call: dict[str, object], placed: Sequence[Placed], journal: Path, keep: Path) -> None:
    """Keep a call's hearing in ``keep``: the journal ``oneup run`` wrote (``ID.jsonl``) and where the
    synthesized audio put each turn (``ID.turns.json``), so that another detector can be scored on the
    same heard lines in seconds (``load_hearing``)."""
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(journal, keep / f"{call['id']}.jsonl")
    spans = [{"speaker": t.speaker, "text": t.text, "start_s": t.start_s, "end_s": t.end_s} for t in placed]
    (keep / f"{call['id']}.turns.json").write_text(json.dumps(spans), encoding="utf-8")


def load_hearing(call: dict[str, object], heard: Path) -> tuple[list[Placed], Path]:
    """A hearing ``save_hearing`` kept: the placed turns (labels from ``call``) and the journal. Raises
    HearingError when it is missing or unreadable, or when its turns (speaker and text) are not the
    call's: a call edited since it was heard must be heard again."""
    turns, journal = heard / f"{call['id']}.turns.json", heard / f"{call['id']}.jsonl"
    if not turns.is_file() or not journal.is_file():
        raise HearingError(f"{heard}: no kept hearing of {call['id']} (keep them with --keep {heard})")
    raw = call["turns"]
    assert isinstance(raw, list)
    try:
        spans = json.loads(turns.read_text(encoding="utf-8"))
        said = [(str(t["speaker"]), str(t["text"]), float(t["start_s"]), float(t["end_s"])) for t in spans]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HearingError(f"{turns}: not a kept hearing ({exc})") from None
    if [(speaker, text) for speaker, text, _a, _b in said] != [(t["speaker"], t["text"]) for t in raw]:
        raise HearingError(f"{turns}: the kept hearing of {call['id']} has other turns than the call")
    return [
        Placed(t["speaker"], t["text"], a, b, t) for (_s, _t, a, b), t in zip(said, raw, strict=True)
    ], journal


def check_hearings(paths: Sequence[Path], heard: Path) -> None:
    """Raise HearingError unless ``heard`` holds a kept hearing of every call of ``paths`` (before any
    long work starts)."""
    for path in paths:
        for call in load_calls(path):
            load_hearing(call, heard)


def training_rows(
    call: dict[str, object], workdir: Path, keep: Path | None = None
) -> list[dict[str, object]]:
    """The call's rep turns as training rows: each as written (its start minute and the prospect's turn
    before it), then each line ``oneup run`` wrote of a neutral or One-Up turn (``"heard": true``, the
    context the detector got, rebuilt as ``review --reclassify`` does) with the turn's label. A line of a
    One-Down turn is left out: it may be the turn's neutral preface ("Okay Greg, totally understood on
    the codes." before the small talk), and a One-Down label on it would teach the head to accuse such
    lines (measured: benchmarks/RESULTS.md). Ambiguous turns are left out. The hearing is kept in
    ``keep`` when given."""
    return rows_of(call, *_hear(call, workdir, None, keep))


def rows_of(call: dict[str, object], placed: Sequence[Placed], journal: Path) -> list[dict[str, object]]:
    """``training_rows`` of a call already heard: its placed turns and the journal ``oneup run`` wrote.
    Written turns and heard lines both answer the prospect's whole turn, by ``TurnContext``'s rule."""
    rows: list[dict[str, object]] = []
    written = TurnContext(0.0)  # only its prospect turn is read: written turns are not cut into lines
    for turn in placed:
        said = written.line(turn.speaker, turn.start_s, turn.end_s, turn.text)
        if said is not None and not turn.spec.get("ambiguous"):
            rows.append(_row(call, turn, turn.text, turn.start_s, said.prospect_prev))
    for u, context in _lines(journal):
        if context is None:
            continue
        index = _rep_turn(u["start"], u["end"], placed)
        if index is None or placed[index].spec.get("ambiguous"):
            continue
        if STANCES[str(placed[index].spec["label"])] != "one-down":
            rows.append(
                {**_row(call, placed[index], u["text"], u["start"], context.prospect_prev), "heard": True}
            )
    return rows


def _row(
    call: dict[str, object], turn: Placed, text: str, start_s: float, prospect: str | None
) -> dict[str, object]:
    return {
        "text": text,
        "label": turn.spec["label"],
        "minute": round(start_s / 60, 3),
        "prospect_prev": prospect,
        "industry": call.get("industry", ""),
        "call": call["id"],
    }


def run_calls(
    min_confidence: float | None = None,
    path: Path = CALLS_PATH,
    keep: Path | None = None,
    heard: Path | None = None,
) -> list[TurnResult]:
    """Score the calls of ``path``: each heard now through ``oneup run`` (and its hearing kept in
    ``keep``), or, with ``heard``, the hearings kept there judged again by today's detector."""
    results: list[TurnResult] = []
    if heard is not None:
        from classifiers import load_classifier

        detector = load_classifier(None, min_confidence)
        for call in load_calls(path):
            placed, journal = load_hearing(call, heard)
            results += score_call(call, placed, _rep_lines(journal, detector))
        return results
    with tempfile.TemporaryDirectory(prefix="oneup-calls-") as tmp:
        for call in load_calls(path):
            results += _run_call(call, Path(tmp), min_confidence, keep)
            print(f"calls: {call['id']} done", file=sys.stderr, flush=True)
    return results


def write_training(
    calls: Path = TRAIN_CALLS_SOURCE_PATH,
    out: Path = TRAIN_CALLS_PATH,
    heard: Path | None = None,
    keep: Path | None = None,
) -> int:
    """``python -m classifiers.calls training``: remake the training rows of the training calls (from
    the hearings kept in ``heard``, when given, instead of hearing each call again; each new hearing
    kept in ``keep``)."""
    rows: list[dict[str, object]] = []
    if heard is not None:
        for call in load_calls(calls):
            rows += rows_of(call, *load_hearing(call, heard))
    else:
        with tempfile.TemporaryDirectory(prefix="oneup-calls-") as tmp:
            for call in load_calls(calls):
                rows += training_rows(call, Path(tmp), keep)
                print(f"calls: {call['id']} heard", file=sys.stderr, flush=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} rows of {calls.name} written to {out}")
    return 0


@dataclass(frozen=True)
class CallScores:
    turns: int
    label_right: float
    stance_right: float
    one_down_recall: float
    false_one_down: float
    """Share of neutral and One-Up turns presented as One-Down."""
    unsure: float
    unheard: int


def score_calls(results: Sequence[TurnResult]) -> CallScores:
    n = max(len(results), 1)
    stance = [(STANCES[r.gold], STANCES.get(r.shown, "neutral")) for r in results]
    downs = [s for g, s in stance if g == "one-down"]
    others = [s for g, s in stance if g != "one-down"]
    return CallScores(
        turns=len(results),
        label_right=sum(r.gold == r.shown for r in results) / n,
        stance_right=sum(g == s for g, s in stance) / n,
        one_down_recall=sum(s == "one-down" for s in downs) / max(len(downs), 1),
        false_one_down=sum(s == "one-down" for s in others) / max(len(others), 1),
        unsure=sum(r.unsure for r in results) / n,
        unheard=sum(not r.heard for r in results),
    )


CALL_SETS = (CALLS_PATH, CALLS_B_PATH, CALLS_C_PATH, CALLS_D_PATH)
"""The evaluation call sets ``evaluate --calls`` scores, each apart."""


def print_calls(
    min_confidence: float | None = None, keep: Path | None = None, heard: Path | None = None
) -> list[CallScores]:
    """Score each call set apart: ``eval_calls`` (1-16), ``eval_calls_b`` (17-24), ``eval_calls_c``
    (49-72), ``eval_calls_d`` (73-104)."""
    return [_print_set(path, min_confidence, keep, heard) for path in CALL_SETS]


def _print_set(path: Path, min_confidence: float | None, keep: Path | None, heard: Path | None) -> CallScores:
    results = run_calls(min_confidence, path, keep, heard)
    s = score_calls(results)
    calls = sorted({r.call for r in results})
    print(
        f"== whole calls, {path.name} ({len(calls)} calls, {s.turns} rep turns, spoken by espeak-ng,"
        " through oneup run)"
    )
    for call in calls:
        c = score_calls([r for r in results if r.call == call])
        print(
            f"  {call}: {c.turns} turns, label right {c.label_right:.2f}, One-Down shown on "
            f"{c.false_one_down:.2f} of neutral/One-Up turns"
        )
    print(
        f"presented label right {s.label_right:.3f} · stance right {s.stance_right:.3f} · One-Down recall "
        f"{s.one_down_recall:.3f} · neutral/One-Up turns shown One-Down {s.false_one_down:.3f} · unsure "
        f"{s.unsure:.3f} · turns with no recognized speech {s.unheard}"
    )
    return s


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m classifiers.calls", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    training = sub.add_parser(
        "training", help="run calls through oneup run and write their rep turns and lines as training rows"
    )
    training.add_argument("--calls", type=Path, default=TRAIN_CALLS_SOURCE_PATH)
    training.add_argument("--out", type=Path, default=TRAIN_CALLS_PATH)
    kept = training.add_mutually_exclusive_group()
    kept.add_argument("--keep", type=Path, metavar="DIR", help="keep each call's hearing in DIR")
    kept.add_argument("--heard", type=Path, metavar="DIR", help="use the hearings kept in DIR (--keep)")
    args = parser.parse_args(argv)
    try:
        if args.heard is not None:
            check_hearings([args.calls], args.heard)
        return write_training(args.calls, args.out, args.heard, args.keep)
    except (HearingError, JournalError) as exc:
        print(f"classifiers.calls: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
