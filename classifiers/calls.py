"""Call-level evaluation: whole synthesized calls through the real pipeline, scored turn by turn.

``python -m classifiers.evaluate --calls`` speaks every call of ``eval_calls.jsonl``
(16 calls by three writers who saw no other data file, at the real distribution, in
industries the training set lacks) and of ``eval_calls_b.jsonl`` (8 calls written after the
detector was built; scored apart, as the measure of calls it has not seen) with espeak-ng,
one voice per party on its own channel, runs ``oneup run`` on it (VAD, tiny.en, the
detector, exactly as a user would) and compares the verdict presented for each rep turn with
the writer's label.
A turn that the VAD split into several utterances takes the strongest confident
verdict among them, as a turn does among its sentences. Turns with
``"ambiguous": true`` are left out of the scores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers.dataset import CALLS_B_PATH, CALLS_PATH
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


def _run_call(call: dict[str, object], workdir: Path, min_confidence: float | None) -> list[TurnResult]:
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
    if proc.returncode != 0:
        raise RuntimeError(f"oneup run failed on {call['id']}: {proc.stderr.strip()[-300:]}")
    utts = [
        r for _n, r, _w in iter_journal(journal) if r and r["type"] == "utterance" and r["speaker"] == "rep"
    ]
    rep_turns = [(i, t) for i, t in enumerate(synth.turns) if t.speaker == "rep"]
    heard: dict[int, list[dict[str, object]]] = {i: [] for i, _ in rep_turns}
    for u in utts:
        overlaps = [(min(u["end"], t.end_s) - max(u["start"], t.start_s), i) for i, t in rep_turns]
        best, index = max(overlaps)
        if best > 0:
            heard[index].append(u)
    results = []
    for (i, placed), spec in zip(rep_turns, [t for t in raw if t["speaker"] == "rep"], strict=True):
        if spec.get("ambiguous"):
            continue
        found = heard[i]
        confident = [u for u in found if u.get("label") not in (None, "neutral")]
        if confident:
            top = max(confident, key=lambda u: (u.get("confidence") or 0.0, u.get("stance") == "one-down"))
            shown, unsure = str(top["label"]), False
        else:
            shown, unsure = "neutral", any(u.get("unsure") for u in found)
        results.append(
            TurnResult(str(call["id"]), placed.text, str(placed.label), shown, unsure, bool(found))
        )
    return results


def run_calls(min_confidence: float | None = None, path: Path = CALLS_PATH) -> list[TurnResult]:
    results: list[TurnResult] = []
    with tempfile.TemporaryDirectory(prefix="oneup-calls-") as tmp:
        for call in load_calls(path):
            results += _run_call(call, Path(tmp), min_confidence)
            print(f"calls: {call['id']} done", file=sys.stderr, flush=True)
    return results


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
    """Score each call set apart: ``eval_calls`` (1-16), then ``eval_calls_b`` (17-24)."""
    return [_print_set(path, min_confidence) for path in (CALLS_PATH, CALLS_B_PATH)]


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
