"""Measure the detector: ``python -m classifiers.evaluate [--compare] [--folds 10]``.

Prints, for 10-fold cross-validation on train.jsonl and for heldout.jsonl
(scored by a model trained on train only), per-label precision/recall/F1, the
confusion matrix, macro-F1 and One-Down-vs-rest F1. ``--compare`` also scores
the other candidate designs and times the detector per utterance.

Read the cross-validation numbers with care: the cue patterns (cues.py) were
refined while reading cross-validation errors on train.jsonl, so CV on train
is optimistic for designs that use cues. heldout.jsonl was never read while
developing and is the honest estimate. The "no context" line scores heldout
with an empty ``Context()`` (minute 0, no prospect line), as an outside caller
without call metadata would.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from classifiers import candidates
from classifiers.dataset import HELDOUT_PATH, SEED_PATH, TRAIN_PATH, Example, load_examples
from classifiers.detector import OneDownDetector
from classifiers.features import FeatureConfig
from classifiers.train import Embedder, TrainConfig, fit_head
from core.taxonomy import LABELS, ONE_DOWN


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


def _candidates(embed: Embedder, seed: Sequence[Example]) -> dict[str, candidates.Fit]:
    with_seed = candidates.shipped(embed, TrainConfig(), seed)
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
        "shipped, train only": candidates.shipped(embed, TrainConfig(use_seed=False)),
        "shipped, train+seed": with_seed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.evaluate", description=__doc__)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--compare", action="store_true", help="also score the other candidate designs")
    parser.add_argument("--no-heldout", action="store_true", help="cross-validation only")
    args = parser.parse_args(argv)

    train = load_examples(TRAIN_PATH)
    heldout = [] if args.no_heldout or not HELDOUT_PATH.exists() else load_examples(HELDOUT_PATH)
    seed = load_examples(SEED_PATH) if SEED_PATH.exists() else []
    embed = Embedder()
    gold = [e.label for e in train]

    shipped = candidates.shipped(embed, TrainConfig(), seed)
    print(
        report(
            f"shipped detector, {args.folds}-fold CV on train.jsonl (+seed in each training fold)",
            gold,
            candidates.cross_validate(shipped, train, args.folds),
        )
    )
    if heldout:
        predict = shipped(train)
        bare = [dataclasses.replace(e, minute=0.0, prospect_prev=None) for e in heldout]
        bare_score = score([e.label for e in heldout], predict(bare))
        print(
            report(
                "shipped detector on heldout.jsonl, trained on train.jsonl + seed",
                [e.label for e in heldout],
                predict(heldout),
            )
        )
        print(
            f"heldout, no context: macro-F1 {bare_score.macro_f1:.3f}"
            f"   One-Down-vs-rest F1 {bare_score.one_down_f1:.3f}"
        )
    detector = OneDownDetector(head=fit_head([*train, *seed], embed))
    median, p95 = latency_ms(detector, heldout or train)
    print(f"latency per utterance: median {median:.1f} ms, p95 {p95:.1f} ms")

    if args.compare:
        print("\n== comparison: CV macro-F1 / One-Down F1 | heldout macro-F1 / One-Down F1")
        for name, fit in _candidates(embed, seed).items():
            cv = score(gold, candidates.cross_validate(fit, train, args.folds))
            line = f"{name:28s} CV {cv.macro_f1:.3f} / {cv.one_down_f1:.3f}"
            if heldout:
                held = score([e.label for e in heldout], fit(train)(heldout))
                line += f" | heldout {held.macro_f1:.3f} / {held.one_down_f1:.3f}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
