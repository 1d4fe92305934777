"""The designs measured against each other (evaluate.py --compare), and the shipped one.

Each candidate is a ``Fit``: train examples in, a predict function out. They
share one embedding cache so 10-fold cross-validation encodes each sentence
once. scikit-learn is imported lazily here: the live detector needs numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from classifiers.cues import find_cues, rule_scores
from classifiers.dataset import Example
from classifiers.detector import DetectorConfig, OneDownDetector
from classifiers.embed import Embedder
from classifiers.features import FeatureConfig
from classifiers.text import normalize
from classifiers.train import TrainConfig, embed_examples, feature_matrix, fit_head
from core.taxonomy import NEUTRAL

Predict = Callable[[Sequence[Example]], list[str]]
Fit = Callable[[Sequence[Example]], Predict]


def rules_only(_train: Sequence[Example]) -> Predict:
    """Cue weights alone: the label with the largest summed weight, neutral when nothing fires."""

    def predict(test: Sequence[Example]) -> list[str]:
        out: list[str] = []
        for example in test:
            scores = rule_scores(find_cues(example.text))
            scores.pop(NEUTRAL, None)
            out.append(max(scores, key=lambda k: scores[k]) if scores else NEUTRAL)
        return out

    return predict


def _tfidf() -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )


def _logreg(c: float) -> object:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced")


def ngram_lr(c: float = 10.0) -> Fit:
    """TF-IDF word 1-2-grams + char 2-5-grams into logistic regression."""

    def fit(train: Sequence[Example]) -> Predict:
        from sklearn.pipeline import make_pipeline

        model = make_pipeline(_tfidf(), _logreg(c))
        model.fit([normalize(e.text) for e in train], [e.label for e in train])

        def predict(test: Sequence[Example]) -> list[str]:
            return [str(p) for p in model.predict([normalize(e.text) for e in test])]

        return predict

    return fit


def dense_lr(embed: Embedder, config: FeatureConfig, c: float = 4.0) -> Fit:
    """Any mix of embedding / cue / context blocks into logistic regression (no user rules, no bank)."""

    def matrix(examples: Sequence[Example]) -> np.ndarray:
        vectors = embed_examples(examples, embed) if config.embedding else np.zeros((len(examples), 0))
        return feature_matrix(examples, vectors, config)

    def fit(train: Sequence[Example]) -> Predict:
        model = _logreg(c)
        model.fit(matrix(train), [e.label for e in train])  # type: ignore[attr-defined]

        def predict(test: Sequence[Example]) -> list[str]:
            return [str(p) for p in model.predict(matrix(test))]  # type: ignore[attr-defined]

        return predict

    return fit


def ngram_plus_dense(embed: Embedder, config: FeatureConfig, c: float = 4.0) -> Fit:
    """TF-IDF n-grams beside the dense features in one logistic regression."""

    def fit(train: Sequence[Example]) -> Predict:
        from scipy.sparse import csr_matrix, hstack

        union = _tfidf()

        def matrix(examples: Sequence[Example], fitting: bool) -> object:
            texts = [normalize(e.text) for e in examples]
            sparse = union.fit_transform(texts) if fitting else union.transform(texts)  # type: ignore[attr-defined]
            dense = feature_matrix(examples, embed_examples(examples, embed), config)
            return hstack([sparse / np.sqrt(2.0), csr_matrix(dense)]).tocsr()

        model = _logreg(c)
        model.fit(matrix(train, True), [e.label for e in train])  # type: ignore[attr-defined]

        def predict(test: Sequence[Example]) -> list[str]:
            return [str(p) for p in model.predict(matrix(test, False))]  # type: ignore[attr-defined]

        return predict

    return fit


def shipped(
    embed: Embedder,
    config: TrainConfig | None = None,
    extra: Sequence[Example] = (),
    detector_config: DetectorConfig | None = None,
) -> Fit:
    """The real detector end to end (head + priors + evidence), trained on train (+ ``extra``)."""

    def fit(train: Sequence[Example]) -> Predict:
        head = fit_head([*train, *extra], embed, config or TrainConfig())
        # Top label, no abstention: these figures compare designs, not the presenting threshold.
        detector = OneDownDetector(head=head, config=detector_config or DetectorConfig(), min_confidence=0.0)

        def predict(test: Sequence[Example]) -> list[str]:
            return [detector.classify(e.text, e.context).label for e in test]

        return predict

    return fit


def cross_validate(fit: Fit, examples: Sequence[Example], folds: int = 10, seed: int = 0) -> list[str]:
    """Out-of-fold predictions: every example is predicted by a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    labels = [e.label for e in examples]
    predicted: list[str] = [NEUTRAL] * len(examples)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(labels)), labels):
        predict = fit([examples[i] for i in train_idx])
        for i, label in zip(test_idx, predict([examples[i] for i in test_idx]), strict=True):
            predicted[i] = label
    return predicted
