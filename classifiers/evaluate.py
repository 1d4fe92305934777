"""Measure the detector: ``python -m classifiers.evaluate [--calls] [--cv] [--compare]``.

By default it scores the shipped detector (head.npz) as a rep sees it: presented
verdicts, an unsure line counted as neutral. On heldout.jsonl: per-label
precision/recall/F1, the confusion matrix, macro-F1 and One-Down-vs-rest F1; on
the real salespeople's lines (../shared/data/real-rep-lines.dev.jsonl, ambiguous
lines left out): stance accuracy and the share of neutral lines shown as One-Down;
the same on the sets of one kind of turn (agendas, closings, the call's mechanics, questions, One-Up
turns in a pitch's words, prospecting, answers to the buyer's questions, pushback; written and as
heard: ``dataset.SETS_OF_A_KIND``); and the time per utterance. ``--calls`` runs the whole
synthesized calls of eval_calls.jsonl, eval_calls_b.jsonl, eval_calls_c.jsonl and eval_calls_d.jsonl
(scored apart; 80 calls, about 40 s each on 2 cores) through ``oneup run`` (espeak-ng, the real
pipeline) and scores them turn by turn; ``--keep DIR`` keeps each call's hearing (the journal and
where each turn was spoken), and ``--heard DIR`` judges those kept lines again with today's detector
in seconds, with the context the live call gave (the pipeline's text does not change with the
detector; it does with the pipeline, so hear the calls again after changing it). ``--cv`` adds
10-fold cross-validation
on the training files and ``--compare`` the other candidate designs.

Read the cross-validation numbers with care: the cue patterns (cues.py) were
refined while reading cross-validation errors on train.jsonl, so CV on train
is optimistic for designs that use cues. heldout.jsonl was never read while
developing and is the honest estimate. The folds are not grouped: a recognized variant (``asr``, and
the lines of a training call as the pipeline heard them) can sit in another fold than its written
line, which makes CV more optimistic still. The "no context" line scores heldout
with an empty ``Context()`` (minute 0, no prospect line), as an outside caller
without call metadata would.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers import candidates
from classifiers.dataset import HELDOUT_PATH, SETS_OF_A_KIND, Example, as_spoken, load_examples
from classifiers.detector import OneDownDetector
from classifiers.embed import Embedder
from classifiers.features import FeatureConfig
from classifiers.train import TrainConfig, training_examples
from core.journal import JournalError
from core.machine import describe
from core.taxonomy import LABELS, ONE_DOWN, STANCES


@dataclass(frozen=True, slots=True)
class Scores:
    """The headline numbers of one run."""

    macro_f1: float
    one_down_f1: float
    accuracy: float


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Macro-F1 over the 10 taxonomy labels, and F1 of One-Down (any of six) vs the rest."""
    f1s = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        f1s.append(_prf(tp, fp, fn)[2])
    down = [(g in ONE_DOWN, p in ONE_DOWN) for g, p in zip(gold, predicted, strict=True)]
    tp = sum(g and p for g, p in down)
    fp = sum(p and not g for g, p in down)
    fn = sum(g and not p for g, p in down)
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1)
    return Scores(sum(f1s) / len(f1s), _prf(tp, fp, fn)[2], accuracy)


def report(title: str, gold: Sequence[str], predicted: Sequence[str]) -> str:
    """The full text report: per-label table, confusion matrix, headline scores."""
    lines = [
        f"== {title} ({len(gold)} utterances)",
        f"{'label':16s} {'prec':>5s} {'rec':>5s} {'f1':>5s} {'n':>4s}",
    ]
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        p, r, f = _prf(tp, fp, fn)
        lines.append(f"{label:16s} {p:5.2f} {r:5.2f} {f:5.2f} {tp + fn:4d}")
    short = [label[:5] for label in LABELS]
    lines.append("confusion (rows = gold, columns = predicted)")
    lines.append(" " * 16 + " ".join(f"{s:>5s}" for s in short))
    for g_label in LABELS:
        counts = [
            sum(g == g_label and p == p_label for g, p in zip(gold, predicted, strict=True))
            for p_label in LABELS
        ]
        lines.append(f"{g_label:16s}" + " ".join(f"{c:5d}" for c in counts))
    s = score(gold, predicted)
    lines.append(
        f"macro-F1 {s.macro_f1:.3f}   One-Down-vs-rest F1 {s.one_down_f1:.3f}   accuracy {s.accuracy:.3f}"
    )
    return "\n".join(lines)


def latency_ms(detector: OneDownDetector, examples: Sequence[Example]) -> tuple[float, float]:
    """Median and p95 wall-clock ms of one classify call (after warm-up)."""
    detector.warm()
    times = []
    for example in examples:
        start = time.perf_counter()
        detector.classify(example.text, example.context)
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def _candidates(embed: Embedder) -> dict[str, candidates.Fit]:
    return {
        "rules only": candidates.rules_only,
        "word+char n-grams LR": candidates.ngram_lr(),
        "MiniLM LR": candidates.dense_lr(embed, FeatureConfig(cues=False, context=False)),
        "cues+context LR": candidates.dense_lr(
            embed, FeatureConfig(embedding=False, cue_scale=1.0, label_score_scale=1.0), c=1.0
        ),
        "MiniLM+context LR": candidates.dense_lr(embed, FeatureConfig(cues=False)),
        "MiniLM+cues+context LR": candidates.dense_lr(embed, FeatureConfig()),
        "n-grams+MiniLM+cues+ctx LR": candidates.ngram_plus_dense(embed, FeatureConfig()),
        "shipped design": candidates.shipped(embed, TrainConfig()),
    }


REAL_LINES = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-rep-lines.dev.jsonl"
"""Real salespeople's lines, for evaluation only (never trained on); beside the checkout."""


def presented(detector: OneDownDetector, examples: Sequence[Example]) -> list[str]:
    """The label a rep is shown for each example (an unsure verdict is neutral)."""
    return [detector.classify(e.text, e.context).label for e in examples]


def real_lines(path: Path = REAL_LINES) -> list[Example]:
    """The real-lines dev set without the lines marked ambiguous."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(text=r["text"], label=r["label"]) for r in rows if not r.get("ambiguous")]


def stance_report(title: str, gold: Sequence[str], shown: Sequence[str]) -> str:
    """Stance accuracy, One-Down recall and the share of neutral / One-Up lines shown as One-Down."""
    g = [STANCES[x] for x in gold]
    p = [STANCES.get(x, "neutral") for x in shown]
    right = sum(a == b for a, b in zip(g, p, strict=True)) / max(len(g), 1)
    downs = [b for a, b in zip(g, p, strict=True) if a == "one-down"]
    neutral = [b for a, b in zip(g, p, strict=True) if a == "neutral"]
    others = [b for a, b in zip(g, p, strict=True) if a != "one-down"]
    return (
        f"== {title} ({len(g)} lines): stance right {right:.3f}"
        f" · One-Down recall {sum(b == 'one-down' for b in downs) / max(len(downs), 1):.3f}"
        f" · neutral shown One-Down {sum(b == 'one-down' for b in neutral)}/{len(neutral)}"
        f" · neutral+One-Up shown One-Down {sum(b == 'one-down' for b in others) / max(len(others), 1):.3f}"
        f" · label right {sum(a == b for a, b in zip(gold, shown, strict=True)) / max(len(g), 1):.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.evaluate", description=__doc__)
    parser.add_argument("--calls", action="store_true", help="also score whole synthesized calls (minutes)")
    parser.add_argument(
        "--cv", action="store_true", help="also 10-fold cross-validation on the training files"
    )
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--compare", action="store_true", help="also score the other candidate designs")
    parser.add_argument("--min-confidence", type=float, help="instead of the calibrated threshold")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="with --calls: keep each call's hearing (journal, turn times) in DIR",
    )
    parser.add_argument(
        "--heard",
        type=Path,
        metavar="DIR",
        help="with --calls: judge the hearings kept in DIR again instead of running the pipeline (seconds)",
    )
    args = parser.parse_args(argv)
    if (args.keep or args.heard) and not args.calls:
        parser.error("--keep and --heard go with --calls")
    if args.keep and args.heard:
        parser.error("--keep hears the calls again, --heard reads kept hearings: one or the other")
    _check_kept(parser, args)

    detector = OneDownDetector(min_confidence=args.min_confidence)
    print(f"shipped detector: presenting threshold {detector.threshold:.2f}")
    heldout = load_examples(HELDOUT_PATH)
    shown = presented(detector, heldout)
    print(report("heldout.jsonl, presented verdicts (unsure = neutral)", [e.label for e in heldout], shown))
    print(stance_report("heldout.jsonl", [e.label for e in heldout], shown))
    if REAL_LINES.exists():
        real = real_lines()
        print(stance_report("real-rep-lines.dev.jsonl", [e.label for e in real], presented(detector, real)))
    else:
        print(f"(no {REAL_LINES}: real-lines figures skipped)")
    for path in SETS_OF_A_KIND:
        turns = load_examples(path)
        gold = [e.label for e in turns]
        print(stance_report(f"{path.name}, written", gold, presented(detector, turns)))
        print(stance_report(f"{path.name}, as heard", gold, presented(detector, as_spoken(turns))))
    median, p95 = latency_ms(detector, heldout)
    print(f"latency per utterance: median {median:.1f} ms, p95 {p95:.1f} ms ({describe()})")
    if args.calls:
        from classifiers.calls import HearingError, print_calls

        try:
            print_calls(args.min_confidence, args.keep, args.heard)
        except (HearingError, JournalError) as exc:
            print(f"classifiers.evaluate: {exc}", file=sys.stderr)
            return 2
    if args.cv or args.compare:
        _development(args)
    return 0


def _check_kept(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse a ``--heard`` folder without every call's hearing, or a ``--keep`` folder that cannot be
    made, before the minutes of work that come first."""
    from classifiers.calls import CALL_SETS, HearingError, check_hearings

    if args.heard:
        if not args.heard.is_dir():
            parser.error(f"--heard {args.heard}: no such folder")
        try:
            check_hearings(CALL_SETS, args.heard)
        except HearingError as exc:
            parser.error(f"--heard: {exc}")
    if args.keep:
        try:
            args.keep.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parser.error(f"--keep {args.keep}: {exc.strerror or exc}")


def _development(args: argparse.Namespace) -> None:
    """Cross-validation and the candidate comparison (training-time figures; heldout as the check)."""
    train = training_examples()
    heldout = load_examples(HELDOUT_PATH)
    embed = Embedder()
    gold = [e.label for e in train]
    shipped = candidates.shipped(embed, TrainConfig())
    print(
        report(
            f"{args.folds}-fold CV on the training files (top label)",
            gold,
            candidates.cross_validate(shipped, train, args.folds),
        )
    )
    if args.compare:
        print("\n== comparison (top label): CV macro-F1 / One-Down F1 | heldout macro-F1 / One-Down F1")
        for name, fit in _candidates(embed).items():
            cv = score(gold, candidates.cross_validate(fit, train, args.folds))
            held = score([e.label for e in heldout], fit(train)(heldout))
            print(
                f"{name:28s} CV {cv.macro_f1:.3f} / {cv.one_down_f1:.3f} | heldout {held.macro_f1:.3f} / "
                f"{held.one_down_f1:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
