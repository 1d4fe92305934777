"""Train the shipped head: ``python -m classifiers.train`` writes classifiers/head.npz.

Reads the training files (``dataset.HEAD_FILES``: train, seed, train_neutral,
train_extra; each line written and as tiny.en recognized it), never heldout,
calibration or the evaluation calls; embeds each sentence with MiniLM, fits a
logistic regression on embedding + cue + context features, then calibrates its
confidence and picks the abstention threshold on calibration.jsonl
(``classifiers.calibrate``) and exports everything for numpy-only use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifiers.cues import find_cues
from classifiers.dataset import HEAD_FILES, Example, load_examples, with_spoken
from classifiers.embed import Embedder
from classifiers.features import FeatureConfig, build
from classifiers.model import HEAD_PATH, LinearHead
from classifiers.text import normalize

BANK_PER_LABEL = 40


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """The hyper-parameters chosen by cross-validation on train.jsonl (see evaluate.py)."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    c: float = 4.0
    balanced: bool = False
    """Class-balanced loss weights. Off: the training files are at the real distribution (40% neutral),
    and balancing pushed neutral lines to One-Down: on calibration.jsonl (spoken), at equal One-Down
    recall (0.87) balanced showed 7.0% of neutral/One-Up lines as One-Down against 5.0% (C=4)."""


def embed_examples(examples: Sequence[Example], embed: Embedder) -> np.ndarray:
    """The vectors the detector would compute live (normalised text)."""
    return embed([normalize(e.text) or e.text for e in examples])


def feature_matrix(examples: Sequence[Example], vectors: np.ndarray, config: FeatureConfig) -> np.ndarray:
    return np.stack(
        [build(e.text, e.context, find_cues(e.text), vectors[i], config) for i, e in enumerate(examples)]
    )


def fit_head(examples: Sequence[Example], embed: Embedder, config: TrainConfig = TrainConfig()) -> LinearHead:
    """Fit the logistic regression and package it with an evidence bank."""
    from sklearn.linear_model import LogisticRegression

    vectors = embed_examples(examples, embed)
    matrix = feature_matrix(examples, vectors, config.features)
    labels = [e.label for e in examples]
    model = LogisticRegression(
        C=config.c, max_iter=5000, class_weight="balanced" if config.balanced else None
    )
    model.fit(matrix, labels)
    classes = tuple(str(c) for c in model.classes_)
    probs = model.predict_proba(matrix)
    bank: list[int] = []
    for index, label in enumerate(classes):
        # Only what a writer wrote: the bank is shown to the rep as "like: ...", and a recognized
        # variant can be garbled ("Come on, sleep whatever you want, it's your call.").
        rows = [i for i, lab in enumerate(labels) if lab == label and not examples[i].recognized]
        # The most typical sentences make the clearest "sounds like" evidence.
        rows.sort(key=lambda i: -probs[i, index])
        bank.extend(rows[:BANK_PER_LABEL])
    return LinearHead(
        labels=classes,
        weights=model.coef_.astype(np.float32),
        bias=model.intercept_.astype(np.float32),
        config=config.features,
        bank_texts=tuple(examples[i].text for i in bank),
        bank_labels=tuple(labels[i] for i in bank),
        bank_vectors=vectors[bank].astype(np.float16),
    )


def training_examples(files: Sequence[Path] = HEAD_FILES, spoken: bool = True) -> list[Example]:
    """The training files (missing ones skipped), with their recognized variants when ``spoken`` (the
    lines of whole calls as the pipeline heard them, ``"heard": true``, are such variants too)."""
    examples: list[Example] = []
    for path in files:
        if path.exists():
            examples += [e for e in load_examples(path) if spoken or not e.recognized]
    return with_spoken(examples) if spoken else examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.train", description=__doc__)
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--written-only", action="store_true", help="leave out the recognized variants")
    args = parser.parse_args(argv)
    from classifiers.calibrate import calibrate

    examples = training_examples(spoken=not args.written_only)
    embed = Embedder()
    head = calibrate(fit_head(examples, embed, TrainConfig()), embed)
    head.save(args.out)
    size = args.out.stat().st_size
    print(f"trained on {len(examples)} utterances; wrote {args.out} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
