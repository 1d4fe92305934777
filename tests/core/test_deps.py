"""A broken dependency is one line naming the package and the versions that work, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from core import tomlfile
from core.deps import DEPENDENCIES, blame, explain
from tests.conftest import SHARED_SPEECH

ROOT = Path(__file__).resolve().parents[2]
CLIP = str(SHARED_SPEECH / "cmuarctic_slt_arctic_a0001.wav")


def test_the_table_mirrors_pyproject() -> None:
    """Lower bounds live in two places (pip reads one, the error message the other): keep them equal."""
    declared = tomlfile.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bounds = {}
    for req in declared:
        m = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", req)
        assert m, req
        bounds[m.group(1)] = m.group(2)
    assert bounds == {d.dist: d.minimum for d in DEPENDENCIES}


def _run(prelude: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        + prelude
        + "from cli.entry import main\n"
        + f"sys.exit(main(['run', {CLIP!r}, '--out', {str(tmp_path / 's.jsonl')!r}]))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_missing_package_is_named_with_its_range(tmp_path: Path) -> None:
    block_av = (
        "import importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'av' or name.startswith('av.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    line = _one_line(_run(block_av, tmp_path))
    assert line.startswith("oneup: error: av ")
    assert ">=11.0" in line and "pip install" in line


def test_a_changed_api_is_blamed_on_the_package(tmp_path: Path) -> None:
    """faster-whisper's WhisperModel taking other arguments: a TypeError inside live.transcriber."""
    changed = (
        "import faster_whisper\n"
        "class WhisperModel:\n"
        "    def __init__(self, model_size_or_path):\n"
        "        pass\n"
        "faster_whisper.WhisperModel = WhisperModel\n"
    )
    line = _one_line(_run(changed, tmp_path))
    assert line.startswith("oneup: error: faster-whisper ") and "is not compatible" in line
    assert "TypeError" in line and ">=1.1" in line


def test_a_bug_in_oneup_itself_is_not_blamed_on_a_dependency() -> None:
    try:
        len(5)  # type: ignore[arg-type]
    except TypeError as exc:
        assert blame(exc) is None and explain(exc) is None


def test_an_import_error_of_an_unknown_module_is_not_blamed() -> None:
    assert explain(ModuleNotFoundError("No module named 'nowhere'", name="nowhere")) is None


def test_a_missing_oneup_module_is_not_blamed_on_the_package_that_imports_it() -> None:
    """A broken install of oneup itself must not send the user off to reinstall faster-whisper."""
    assert explain(ModuleNotFoundError("No module named 'live.guards'", name="live.guards")) is None
