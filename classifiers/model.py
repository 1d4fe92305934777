"""The trained head: logistic-regression weights plus an evidence bank, as one small .npz.

Training (train.py) needs scikit-learn; running needs only numpy, so the
weights are exported as plain arrays. The evidence bank holds a few training
sentences per label and their embeddings, so the detector can show "sounds
like: <nearest example>" when no cue phrase fired.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from classifiers.features import FeatureConfig

HEAD_PATH = Path(__file__).with_name("head.npz")


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis of ``logits / temperature``."""
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class LinearHead:
    """softmax(W x + b) over ``labels``; x is built by features.build with ``config``."""

    labels: tuple[str, ...]
    weights: np.ndarray
    """Shape (n_labels, n_features)."""
    bias: np.ndarray
    config: FeatureConfig
    bank_texts: tuple[str, ...]
    bank_labels: tuple[str, ...]
    bank_vectors: np.ndarray
    """Shape (n_bank, 384), unit rows (stored as float16)."""
    temperature: float = 1.0
    """Logits are divided by this so that confidence matches accuracy (fitted on calibration.jsonl,
    which the head never trains on; see classifiers/calibrate.py)."""
    threshold: float = 0.5
    """Calibrated confidence below which a One-Down verdict is not presented (chosen on
    calibration.jsonl for the One-Down precision target; ``detector.min_confidence`` overrides it)."""
    threshold_up: float = 0.5
    """The same for One-Up verdicts (praise), chosen for the One-Up precision target."""

    def logits(self, features: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
        """Uncalibrated logits for one feature row; ``offsets`` are fixed logit priors per label."""
        logits = self.weights @ features + self.bias
        return logits if offsets is None else logits + offsets

    def probabilities(self, features: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
        """Calibrated class probabilities for one feature row."""
        return softmax(self.logits(features, offsets), self.temperature)

    def nearest_example(self, vector: np.ndarray, label: str) -> tuple[str, float] | None:
        """The bank sentence of ``label`` closest to ``vector`` and its cosine similarity."""
        rows = [i for i, bank_label in enumerate(self.bank_labels) if bank_label == label]
        if not rows:
            return None
        sims = self.bank_vectors[rows].astype(np.float32) @ vector
        best = int(np.argmax(sims))
        return self.bank_texts[rows[best]], float(sims[best])

    def save(self, path: Path = HEAD_PATH) -> None:
        """Write the head compactly (float16 bank; float32 weights)."""
        meta = {
            "labels": list(self.labels),
            "config": asdict(self.config),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "threshold_up": self.threshold_up,
        }
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(meta)),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            bank_texts=np.array(json.dumps(list(self.bank_texts))),
            bank_labels=np.array(json.dumps(list(self.bank_labels))),
            bank_vectors=self.bank_vectors.astype(np.float16),
        )

    @classmethod
    def load(cls, path: Path = HEAD_PATH) -> LinearHead:
        """Read a head written by ``save`` (no pickles: allow_pickle stays off)."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            config = meta["config"]
            return cls(
                labels=tuple(meta["labels"]),
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                config=FeatureConfig(**config),
                bank_texts=tuple(json.loads(str(data["bank_texts"]))),
                bank_labels=tuple(json.loads(str(data["bank_labels"]))),
                bank_vectors=data["bank_vectors"],
                temperature=float(meta.get("temperature", 1.0)),
                threshold=float(meta.get("threshold", 0.5)),
                threshold_up=float(meta.get("threshold_up", meta.get("threshold", 0.5))),
            )
