"""Shared fixtures: the real model (loaded once per test run) and the shared speech folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from classifiers.embed import NO_TELEMETRY

# Tests import onnxruntime directly too (the quantizer, the encoder's graph): its telemetry off
# before any of them does, as classifiers.embed.import_onnxruntime does for oneup itself.
os.environ.update(NO_TELEMETRY)

SHARED_SPEECH = Path(__file__).resolve().parents[2] / "shared" / "speech"


@pytest.fixture(scope="session")
def whisper():  # type: ignore[no-untyped-def]
    """The bundled tiny.en, int8, loaded and warmed once: the real model, not a fake."""
    from core.config import ModelConfig
    from live.transcriber import WhisperTranscriber

    t = WhisperTranscriber(ModelConfig())
    t.warm()
    return t


@pytest.fixture(scope="session")
def shared_speech() -> Path:
    if not (SHARED_SPEECH / "manifest.jsonl").exists():
        pytest.skip(f"real speech not found at {SHARED_SPEECH}")
    return SHARED_SPEECH


requires_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are needed to synthesize speech (apt-get install espeak-ng sox)",
)
