"""The One-Down detector: label each rep utterance, show why, nudge toward One-Up.

Importing this package is cheap (no model, no onnxruntime); the model loads on
the first ``classify`` or on ``warm()``. Entry points for the rest of oneup:
``load_classifier`` (the pipeline), ``classifiers.cli.main`` (``oneup classify``),
``NudgePolicy`` (the live view) and ``load_rules``/``RulesError`` (user rules).
"""

from __future__ import annotations

from pathlib import Path

from classifiers.base import Classifier, Context
from classifiers.detector import OneDownDetector
from classifiers.policy import NudgePolicy, NudgePolicyConfig
from classifiers.rules import RulesError, UserRules, load_rules


def load_classifier(rules_path: str | Path | None = None) -> OneDownDetector:
    """The detector the pipeline uses, with the user's rules file if given (raises RulesError)."""
    rules = load_rules(rules_path) if rules_path else UserRules()
    return OneDownDetector(rules=rules)


__all__ = [
    "Classifier",
    "Context",
    "NudgePolicy",
    "NudgePolicyConfig",
    "OneDownDetector",
    "RulesError",
    "UserRules",
    "load_classifier",
    "load_rules",
]
