"""The ``oneup`` console script: runs a command, and turns a broken dependency into one line.

This module imports only the standard library and ``core.deps`` so that even a
missing or incompatible package (a fresh install resolving a newer release than
oneup was tested with) is reported as ``oneup: error: <package> ...`` with exit
code 2, never as a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from core.deps import explain


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from cli.main import main as run

        return run(argv)
    except (ImportError, TypeError, AttributeError) as exc:
        message = explain(exc)
        if message is None:
            raise  # a bug in oneup itself: the traceback is what a report needs
        print(f"oneup: error: {message}", file=sys.stderr)
        return 2
