"""The One-Down detector stage: label each rep utterance, show why, nudge toward One-Up.

Importing this package loads nothing: the detector (and onnxruntime) is imported
by ``load_classifier``, and the model itself loads on the first ``classify`` or
on ``warm()``. The seam the pipeline depends on is ``classifiers.base.Classifier``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifiers.detector import OneDownDetector


def load_classifier(
    rules_path: str | Path | None = None, min_confidence: float | None = None
) -> OneDownDetector:
    """The detector the pipeline uses, with the user's rules file if given (raises RulesError).

    ``min_confidence`` overrides the calibrated threshold for presenting a verdict.
    """
    from classifiers.detector import OneDownDetector
    from classifiers.rules import UserRules, load_rules

    rules = load_rules(rules_path) if rules_path else UserRules()
    return OneDownDetector(rules=rules, min_confidence=min_confidence)


__all__ = ["load_classifier"]
