"""One-line messages to the terminal: errors and warnings name files, and a file name may hold
control characters (an escape code, a newline) that must neither drive the terminal nor break the
one line."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TextIO

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
"""C0 and C1 control characters (U+009B is a terminal's CSI, as ESC [ is)."""


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``)."""
    return text.translate(_CONTROL)


def silence(out: TextIO) -> None:
    """Point ``out``'s file descriptor at /dev/null: its reader has gone (``oneup ... | head``, or a
    closed terminal), and no later print, nor the interpreter's last flush, may fail on it again."""
    with contextlib.suppress(OSError, ValueError):  # ValueError: a stream with no descriptor (tests)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)


def say(line: str, out: TextIO | None = None) -> None:
    """Print one line. A reader that has gone (EPIPE) or a terminal that was closed (EIO, after a
    hang-up) ends the output, not the command: what it was saving is saved all the same."""
    stream = out or sys.stdout
    try:
        print(line, file=stream, flush=True)
    except OSError:
        silence(stream)


def warn(message: str) -> None:
    say(f"oneup: warning: {printable(message)}", sys.stderr)


def out_path(value: str, what: str, instead: str, example: str) -> Path:
    """The file ``--out`` names, ``~`` expanded (``--out=~/x`` reaches oneup unexpanded). ValueError
    (its one-line message) when it is empty, names a folder (``Path("foo/")`` drops the slash, and
    the file "foo" would be written where a folder was meant), or has a file where a folder must be."""
    if not value.strip():
        raise ValueError(f"--out: empty: give the {what} a file name, or leave --out out {instead}")
    path = Path(value).expanduser()
    try:
        folder = value.endswith(("/", os.sep)) or path.is_dir()
        above = next((p for p in path.parents if p.exists() or p.is_symlink()), None)
        not_folder = above is not None and not above.is_dir()  # mkdir would say "File exists"
    except OSError:  # a folder we may not look into: the writer's own error says so, in one line
        return path
    if folder:
        raise ValueError(f"--out {value}: names a folder: give the {what} a file name ({path / example})")
    if not_folder:
        raise ValueError(f"--out {value}: {above} is not a folder")
    return path
