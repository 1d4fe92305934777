"""Packaging and layering: our packages come from this distribution, and the core never imports the UI."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_SPEECH

CLIP = str(SHARED_SPEECH / "cmuarctic_slt_arctic_a0001.wav")

PACKAGES = ("core", "audio", "classifiers", "live", "calls", "tuning", "tui", "cli")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_is_ours_not_a_shadowing_module(name: str) -> None:
    """Generic top-level names can clash with other installed distributions: prove these are ours."""
    dist = importlib.metadata.distribution("oneup")
    code = f"import {name}, sys; print({name}.__file__)"
    # Run from a neutral folder so the working directory cannot supply the module.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=True)
    where = Path(out.stdout.strip()).resolve()
    assert where.name == "__init__.py" and where.parent.name == name
    files = {str(f) for f in dist.files or []}
    direct_url = dist.read_text("direct_url.json") or ""
    assert f"{name}/__init__.py" in files or str(ROOT) in direct_url or where.is_relative_to(ROOT), where
    # No other installed distribution claims the same top-level package.
    owners = [
        d.metadata["Name"]
        for d in importlib.metadata.distributions()
        if any(str(f).split("/")[0] == name for f in (d.files or []))
        and d.metadata["Name"].lower() != "oneup"
    ]
    assert owners == [], f"{name} is also provided by {owners}"


def test_core_never_imports_textual_or_sounddevice() -> None:
    code = (
        "import sys\n"
        "import cli.main, live.pipeline, cli.headless, audio.source, audio.segmenter, classifiers\n"
        "from classifiers import load_classifier\n"
        "bad = [m for m in ('textual', 'sounddevice', 'tui') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def _module_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:  # module level only: a command may load the UI lazily, a core module never
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_modules_never_import_the_ui_at_module_level() -> None:
    for pkg in ("core", "audio", "classifiers", "live", "calls", "tuning"):
        for f in (ROOT / pkg).rglob("*.py"):
            assert not _module_level_imports(f) & {"textual", "tui", "sounddevice"}, f


def test_only_the_cli_loads_the_ui_and_only_for_ui_commands() -> None:
    """Function-level imports of tui are allowed in the command-line front end alone."""
    for pkg in ("core", "audio", "classifiers", "live", "calls", "tuning"):
        for f in (ROOT / pkg).rglob("*.py"):
            text = f.read_text()
            if "import textual" in text or "from textual" in text:
                raise AssertionError(f"{f} imports textual")
            if "from tui" in text or "import tui" in text:
                raise AssertionError(f"{f} imports tui")


def test_headless_run_never_loads_textual(tmp_path: Path) -> None:
    """The headless mode proves the pipeline works without the UI in the process."""
    code = (
        "import sys\n"
        "from cli.main import main\n"
        f"rc = main(['run', {CLIP!r}, '--out', '{tmp_path}/s.jsonl'])\n"
        "assert rc == 0, rc\n"
        "print('LOADED:' + ','.join(m for m in ('textual', 'tui', 'sounddevice') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "LOADED:"
    assert (tmp_path / "s.jsonl").exists()
