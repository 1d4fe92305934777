"""Train the shipped head: ``python -m classifiers.train`` writes classifiers/head.npz.

Reads classifiers/data/train.jsonl plus the small seed set (never heldout.jsonl),
embeds each sentence with MiniLM, fits a class-balanced logistic regression on
embedding + cue + context features, and exports the weights for numpy-only use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifiers.cues import find_cues
from classifiers.dataset import SEED_PATH, TRAIN_PATH, Example, load_examples
from classifiers.embed import MiniLMEncoder, shared_encoder
from classifiers.features import FeatureConfig, build
from classifiers.model import HEAD_PATH, LinearHead
from classifiers.text import normalize

BANK_PER_LABEL = 40


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """The hyper-parameters chosen by cross-validation on train.jsonl (see evaluate.py)."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    c: float = 4.0
    use_seed: bool = True


class Embedder:
    """Caches MiniLM vectors by text so repeated fits (cross-validation) encode each sentence once."""

    def __init__(self, encoder: MiniLMEncoder | None = None) -> None:
        self._encoder = encoder
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        encoder = self._encoder or shared_encoder()
        missing = sorted({t for t in texts if t not in self._cache})
        for start in range(0, len(missing), 64):
            chunk = missing[start : start + 64]
            for text, vector in zip(chunk, encoder.encode(chunk), strict=True):
                self._cache[text] = vector
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


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
    model = LogisticRegression(C=config.c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, labels)
    classes = tuple(str(c) for c in model.classes_)
    probs = model.predict_proba(matrix)
    bank: list[int] = []
    for index, label in enumerate(classes):
        rows = [i for i, lab in enumerate(labels) if lab == label]
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


def training_examples(train_path: Path = TRAIN_PATH, use_seed: bool = True) -> list[Example]:
    """train.jsonl, plus seed.jsonl when asked; heldout.jsonl is never read here."""
    examples = load_examples(train_path)
    if use_seed and SEED_PATH.exists():
        examples += load_examples(SEED_PATH)
    return examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.train", description=__doc__)
    parser.add_argument("--train", type=Path, default=TRAIN_PATH)
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--no-seed", action="store_true", help="train on train.jsonl only")
    args = parser.parse_args(argv)
    config = TrainConfig(use_seed=not args.no_seed)
    examples = training_examples(args.train, config.use_seed)
    head = fit_head(examples, Embedder(), config)
    head.save(args.out)
    size = args.out.stat().st_size
    print(f"trained on {len(examples)} utterances; wrote {args.out} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
