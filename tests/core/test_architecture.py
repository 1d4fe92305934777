"""Import contracts: the architecture as the code's own imports state it.

Every import counts: module level, inside functions, and ``importlib.import_module``
with a literal name. The rules (ARCHITECTURE.md):
- no import circle among oneup's modules;
- each package imports only from the layers below it (the floor, ``core``, from nothing);
- no library module imports the command line (``cli``);
- only ``tui`` imports Textual;
- importing the floor or the VAD loads neither the detector, onnxruntime nor the UI.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "audio", "classifiers", "calls", "live", "tuning", "tui", "cli")

ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "audio": {"core"},
    "classifiers": {"core", "audio"},
    "calls": {"core", "classifiers"},
    "live": {"core", "audio", "classifiers", "calls"},
    "tuning": {"core", "audio", "classifiers", "calls", "live"},
    "tui": {"core", "calls", "live"},
    "cli": {"core", "audio", "classifiers", "calls", "live", "tuning", "tui"},
}
"""Which packages each package may import (besides itself): the layers, bottom to top."""


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules that ``name`` imports anywhere in its body (or loads by literal name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module, *(f"{module}.{a.name}" for a in node.names)]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            targets = [str(node.args[0].value)]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


GRAPH = {name: _imports(name, path, set(_modules())) for name, path in _modules().items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read_from_real_imports() -> None:
    """Guards the reader itself: known edges must be seen, or every contract below passes vacuously."""
    assert "core.events" in GRAPH["live.pipeline"]
    assert "live.compose" in GRAPH["cli.main"]  # a function-level import
    assert len(GRAPH) > 60


def test_no_import_circle() -> None:
    assert _cycles(GRAPH) == []


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    bad = sorted(
        f"{mod} -> {dep}"
        for mod, deps in GRAPH.items()
        if mod.split(".")[0] == package
        for dep in deps
        if dep.split(".")[0] not in ALLOWED[package] | {package}
    )
    assert bad == []


def test_no_library_module_imports_the_command_line() -> None:
    bad = [
        f"{m} -> {d}"
        for m, deps in GRAPH.items()
        if not m.startswith("cli")
        for d in deps
        if d.startswith("cli")
    ]
    assert bad == []


def test_only_the_ui_imports_textual() -> None:
    bad = []
    for name, path in _modules().items():
        if name.split(".")[0] == "tui":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            bad += [name for m in mods if m.split(".")[0] in ("textual", "rich")]
    assert bad == []


@pytest.mark.parametrize(
    "module", ["core.events", "core.config", "core.journal", "audio.segmenter", "classifiers"]
)
def test_the_floor_and_the_vad_load_no_detector_model_or_ui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = ('classifiers.detector', 'onnxruntime', 'textual', 'tui', 'faster_whisper', 'cli')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
