"""Sentence embeddings from all-MiniLM-L6-v2 fine-tuned on the training files (``encoder.onnx``, int8).

``classifiers/finetune.py`` makes the model from the stock fp32 weights and says why
it is tuned; the runtime needs only onnxruntime and the tokenizer.

Everything heavy (onnxruntime, the 23 MB model, the tokenizer) loads on first
use, never at import, so importing ``classifiers`` stays cheap for the CLI and
the UI. The WordPiece vocabulary is bert-base-uncased's (Apache-2.0), shipped
beside this module as ``minilm_vocab.txt`` because no small PyPI package ships it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

VOCAB_PATH = Path(__file__).with_name("minilm_vocab.txt")
ENCODER_PATH = Path(__file__).with_name("encoder.onnx")
"""The tuned MiniLM, 23 MB int8 ONNX; input_ids/attention_mask/token_type_ids -> last_hidden_state."""
NO_TELEMETRY = {"ORT_DISABLE_TELEMETRY": "1"}
"""Nothing leaves the machine. Without this, onnxruntime (1.32.0 seen) writes a device id and a queue
of usage events (OS, CPU, the model's file name, run times) under ``~/.cache/Microsoft`` and looks up
mobile.events.data.microsoft.com to send them. It reads the variable once, when first imported."""


def import_onnxruntime() -> Any:
    """onnxruntime, imported with its telemetry off (``NO_TELEMETRY``): the only way oneup imports it."""
    os.environ.update(NO_TELEMETRY)
    import onnxruntime

    return onnxruntime


MAX_TOKENS = 128
DIM = 384


class MiniLMEncoder:
    """Mean-pooled, L2-normalised MiniLM sentence vectors; thread-safe lazy load."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None

    def warm(self) -> None:
        """Load the model and tokenizer now (first call costs ~0.3 s)."""
        with self._lock:
            if self._session is not None:
                return
            ort = import_onnxruntime()
            from tokenizers import BertWordPieceTokenizer

            tokenizer = BertWordPieceTokenizer(str(VOCAB_PATH), lowercase=True)
            tokenizer.enable_truncation(MAX_TOKENS)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._tokenizer = tokenizer
            self._session = ort.InferenceSession(
                str(ENCODER_PATH), options, providers=["CPUExecutionProvider"]
            )

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length 384-d row per text (batched texts are padded together)."""
        self.warm()
        assert self._session is not None and self._tokenizer is not None
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t if t.strip() else "." for t in texts])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_SHARED: MiniLMEncoder | None = None


def shared_encoder() -> MiniLMEncoder:
    """The process-wide encoder, so the detector and user rules share one model."""
    global _SHARED
    if _SHARED is None:
        _SHARED = MiniLMEncoder()
    return _SHARED


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
