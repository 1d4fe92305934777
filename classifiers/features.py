"""The dense feature vector the linear head reads: embedding, cue hits, context.

Kept apart from the model so that training, evaluation and the live detector
build exactly the same vector (a silent mismatch here would be invisible until
accuracy dropped in the field).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from classifiers.base import Context
from classifiers.cues import CUES, CueHit
from classifiers.text import normalize
from core import text as text_rules
from core.taxonomy import LABELS

CUE_KEYS: tuple[str, ...] = tuple(f"{c.label}.{c.name}" for c in CUES)
CONTEXT_KEYS: tuple[str, ...] = (
    "ctx.question",
    "ctx.log_words",
    "ctx.prospect_asked",
    "ctx.early",
    "ctx.minute",
)


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which blocks make up the vector, and how loud each block is relative to the embedding."""

    embedding: bool = True
    cues: bool = True
    context: bool = True
    cue_scale: float = 0.5
    label_score_scale: float = 0.25
    context_scale: float = 0.5
    use_prospect: bool = True
    """Whether the prospect just asked a question (answers to questions are mostly neutral)."""
    use_time: bool = False
    """Call time as learned features. Off by default: in the labelled sets the minute nearly
    encodes the label (a scripted call), which does not hold on real calls or unlabelled
    context; the detector applies a small fixed rapport prior instead (see detector.py)."""

    def names(self, embedding_dim: int = 384) -> list[str]:
        """Column names, for inspecting and saving the head."""
        names: list[str] = []
        if self.embedding:
            names += [f"emb.{i}" for i in range(embedding_dim)]
        if self.cues:
            names += list(CUE_KEYS) + [f"score.{label}" for label in LABELS]
        if self.context:
            names += list(CONTEXT_KEYS)
        return names


def is_question(text: str) -> bool:
    """The shared rule (``core.text``) on the detector's normalized text."""
    return text_rules.is_question(normalize(text))


def cue_vector(hits: list[CueHit], config: FeatureConfig) -> np.ndarray:
    """Binary cue indicators plus per-label summed weights (squashed)."""
    fired = {f"{h.cue.label}.{h.cue.name}" for h in hits}
    onehot = np.array([1.0 if key in fired else 0.0 for key in CUE_KEYS], dtype=np.float32)
    scores = dict.fromkeys(LABELS, 0.0)
    for hit in hits:
        scores[hit.cue.label] += hit.cue.weight
    squashed = np.array([math.tanh(scores[label] / 2.0) for label in LABELS], dtype=np.float32)
    return np.concatenate([onehot * config.cue_scale, squashed * config.label_score_scale])


def context_vector(text: str, context: Context, config: FeatureConfig) -> np.ndarray:
    """Call time, question form and whether the prospect just asked something."""
    minutes = max(context.call_time, 0.0) / 60.0
    prev = context.prospect_prev
    words = len(normalize(text).split())
    values = [
        1.0 if is_question(text) else 0.0,
        math.log1p(words) / 3.0,
        1.0 if config.use_prospect and prev and is_question(prev) else 0.0,
        1.0 if config.use_time and minutes < 3.0 else 0.0,
        min(minutes, 30.0) / 30.0 if config.use_time else 0.0,
    ]
    return np.array(values, dtype=np.float32) * config.context_scale


def build(
    text: str,
    context: Context,
    hits: list[CueHit],
    embedding: np.ndarray | None,
    config: FeatureConfig,
) -> np.ndarray:
    """The feature row for one utterance (``embedding`` must be given when the config uses it)."""
    blocks: list[np.ndarray] = []
    if config.embedding:
        if embedding is None:
            raise ValueError("this feature config needs the utterance embedding")
        blocks.append(embedding.astype(np.float32))
    if config.cues:
        blocks.append(cue_vector(hits, config))
    if config.context:
        blocks.append(context_vector(text, context, config))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
