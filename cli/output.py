"""One-line messages to the terminal: errors and warnings name files, and a file name may hold
control characters (an escape code, a newline) that must neither drive the terminal nor break the
one line."""

from __future__ import annotations

import sys

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``)."""
    return text.translate(_CONTROL)


def warn(message: str) -> None:
    print(f"oneup: warning: {printable(message)}", file=sys.stderr)
