"""Importing classifiers stays cheap and never pulls in the UI, audio or ASR stacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"textual", "sounddevice", "faster_whisper"}
LAZY = {"onnxruntime", "sklearn", "tokenizers"}


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_loads_no_heavy_or_forbidden_module() -> None:
    loaded = _modules_after("import classifiers, cli.classify, classifiers.policy, classifiers.rules")
    assert not loaded & FORBIDDEN
    assert not loaded & LAZY


def test_classifying_never_imports_ui_audio_or_asr() -> None:
    code = (
        "from classifiers import load_classifier\nfrom classifiers.base import Context\n"
        "load_classifier().classify('what keeps you up at night', Context())"
    )
    loaded = _modules_after(code)
    assert "onnxruntime" in loaded
    assert not loaded & FORBIDDEN
    assert "sklearn" not in loaded
    assert not loaded & {"torch", "transformers"}  # only classifiers.finetune (dev-only) uses them
