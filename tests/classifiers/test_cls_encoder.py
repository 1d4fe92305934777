"""The tuned sentence encoder that ships (classifiers/encoder.onnx) and the tool that makes it."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from classifiers import finetune
from classifiers.dataset import HELDOUT_PATH, load_examples
from classifiers.detector import OneDownDetector
from classifiers.embed import DIM, ENCODER_PATH, MiniLMEncoder
from classifiers.evaluate import presented, score


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    found = MiniLMEncoder()
    found.warm()
    return found


def test_the_encoder_ships_as_int8_onnx_and_gives_unit_vectors(encoder: MiniLMEncoder) -> None:
    assert ENCODER_PATH.exists() and 15e6 < ENCODER_PATH.stat().st_size < 40e6  # int8, not fp32 (90 MB)
    vectors = encoder.encode(["okay got it", "so what keeps you up at night about the audit", ""])
    assert vectors.shape == (3, DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_the_tuned_space_separates_what_the_stock_one_blurred(encoder: MiniLMEncoder) -> None:
    """A pain probe sits nearer another pain probe than the agenda line that shares its words."""
    probe, other_probe, agenda = encoder.encode(
        [
            "what's the biggest headache with how you schedule the crews today",
            "so where does it hurt most when the invoices go out late",
            "so today I'd like to understand how you schedule the crews, then we'll wrap by ten",
        ]
    )
    assert float(probe @ other_probe) > float(probe @ agenda)


def test_heldout_macro_f1_of_presented_verdicts_stays_at_the_goal() -> None:
    """The issue's bar: 0.91 macro-F1 over presented verdicts (unsure counted as neutral)."""
    detector = OneDownDetector()
    heldout = load_examples(HELDOUT_PATH)
    scores = score([e.label for e in heldout], presented(detector, heldout))
    assert scores.macro_f1 >= 0.91


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="the finetune extra is installed")
def test_finetune_without_its_extra_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert finetune.main(["--out", "/nonexistent/encoder.onnx"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("finetune: needs the finetune extra") and "\n" not in err
