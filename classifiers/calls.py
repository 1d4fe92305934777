"""Call-level evaluation: whole synthesized calls through the real pipeline, scored turn by turn.

``python -m classifiers.evaluate --calls`` speaks every call of ``eval_calls.jsonl``
(16 calls by three writers who saw no other data file, at the real distribution, in
industries the training set lacks), of ``eval_calls_b.jsonl`` (8 calls written after the
detector was built) and of ``eval_calls_c.jsonl`` (24 calls by six more writers, never trained on;
each set scored apart, as the measure of calls it has not seen) with espeak-ng,
one voice per party on its own channel, runs ``oneup run`` on it (VAD, tiny.en, the
detector, exactly as a user would) and compares the verdict presented for each rep turn with
the writer's label.
A turn that the VAD split into several utterances takes the strongest confident
verdict among them, as a turn does among its sentences. Turns with
``"ambiguous": true`` are left out of the scores.

``python -m classifiers.calls training`` runs the training calls (``calls_train13.jsonl``) the same
way and writes their rep turns, as written and line by line as heard, as the head's training rows
(``train_calls13.jsonl``; ``training_rows``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers.dataset import (
    CALLS_B_PATH,
    CALLS_C_PATH,
    CALLS_PATH,
    TRAIN_CALLS_PATH,
    TRAIN_CALLS_SOURCE_PATH,
)
from classifiers.turns import TurnContext, recorded_turn_gap_s
from core.journal import iter_journal
from core.taxonomy import STANCES


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


def _hear(call: dict[str, object], workdir: Path, min_confidence: float | None) -> tuple[list[Placed], Path]:
    """Speak the call (one voice per party, each on its own channel) and run ``oneup run`` on it; the
    placed turns and the journal written."""
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
    return placed, journal


@dataclass(frozen=True)
class Placed:
    """One turn of a written call where the synthesized audio put it."""

    speaker: str
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


def _run_call(call: dict[str, object], workdir: Path, min_confidence: float | None) -> list[TurnResult]:
    placed, journal = _hear(call, workdir, min_confidence)
    utts = [
        r for _n, r, _w in iter_journal(journal) if r and r["type"] == "utterance" and r["speaker"] == "rep"
    ]
    heard: dict[int, list[dict[str, object]]] = {i: [] for i, t in enumerate(placed) if t.speaker == "rep"}
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


def training_rows(call: dict[str, object], workdir: Path) -> list[dict[str, object]]:
    """The call's rep turns as training rows: each as written (its start minute and the prospect's turn
    before it), then each line ``oneup run`` wrote of a neutral or One-Up turn (``"heard": true``, the
    context the detector got, rebuilt as ``review --reclassify`` does) with the turn's label. A line of a
    One-Down turn is left out: it may be the turn's neutral preface ("Okay Greg, totally understood on
    the codes." before the small talk), and a One-Down label on it would teach the head to accuse such
    lines (measured: benchmarks/RESULTS.md). Ambiguous turns are left out."""
    return rows_of(call, *_hear(call, workdir, None))


def rows_of(call: dict[str, object], placed: Sequence[Placed], journal: Path) -> list[dict[str, object]]:
    """``training_rows`` of a call already heard: its placed turns and the journal ``oneup run`` wrote.
    Written turns and heard lines both answer the prospect's whole turn, by ``TurnContext``'s rule."""
    rows: list[dict[str, object]] = []
    written = TurnContext(0.0)  # only its prospect turn is read: written turns are not cut into lines
    for turn in placed:
        if turn.speaker != "rep":
            written.prospect(turn.text)
            continue
        context = written.rep(turn.start_s, turn.end_s, turn.text)
        if not turn.spec.get("ambiguous"):
            rows.append(_row(call, turn, turn.text, turn.start_s, context.prospect_prev))
    records = [r for _n, r, _w in iter_journal(journal) if r]
    config = next((r.get("config") for r in records if r["type"] == "session"), None)
    turns = TurnContext(recorded_turn_gap_s(config if isinstance(config, dict) else {}))
    for u in records:  # in the order the live pipeline wrote (and judged) them
        if u["type"] != "utterance":
            continue
        if u["speaker"] != "rep":
            turns.prospect(u["text"])
            continue
        context = turns.rep(u["start"], u["end"], u["text"])
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


def run_calls(min_confidence: float | None = None, path: Path = CALLS_PATH) -> list[TurnResult]:
    results: list[TurnResult] = []
    with tempfile.TemporaryDirectory(prefix="oneup-calls-") as tmp:
        for call in load_calls(path):
            results += _run_call(call, Path(tmp), min_confidence)
            print(f"calls: {call['id']} done", file=sys.stderr, flush=True)
    return results


def write_training(calls: Path = TRAIN_CALLS_SOURCE_PATH, out: Path = TRAIN_CALLS_PATH) -> int:
    """``python -m classifiers.calls training``: remake the training rows of the training calls."""
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="oneup-calls-") as tmp:
        for call in load_calls(calls):
            rows += training_rows(call, Path(tmp))
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


def print_calls(min_confidence: float | None = None) -> list[CallScores]:
    """Score each call set apart: ``eval_calls`` (1-16), ``eval_calls_b`` (17-24), ``eval_calls_c``."""
    return [_print_set(path, min_confidence) for path in (CALLS_PATH, CALLS_B_PATH, CALLS_C_PATH)]


def _print_set(path: Path, min_confidence: float | None) -> CallScores:
    results = run_calls(min_confidence, path)
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
    args = parser.parse_args(argv)
    return write_training(args.calls, args.out)


if __name__ == "__main__":
    sys.exit(main())
