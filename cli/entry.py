"""The ``oneup`` console script: runs a command, and turns a broken dependency into one line.

This module imports only the standard library and ``core.deps`` so that even a
missing or incompatible package (a fresh install resolving a newer release than
oneup was tested with) is reported as ``oneup: error: <package> ...`` with exit
code 2, never as a traceback.

Before anything else, the program re-executes itself once with ``TUNED_ENV`` (glibc and
OpenBLAS settings that are read only at process start): see ``tune_process``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence

from core.deps import explain

TUNED_MARK = "ONEUP_TUNED"
"""Set in the re-executed process; set it yourself (to anything) to run with the system's defaults."""

TUNED_ENV: dict[str, str] = {
    "MALLOC_MMAP_THRESHOLD_": str(64 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(128 << 20),
    "MALLOC_ARENA_MAX": "2",
    "OPENBLAS_NUM_THREADS": "1",
}
"""Why, measured on the stereo phone call (tiny.en int8, 2 threads, 2-core machine):
- The Whisper encoder's attention scores are a 54 MB buffer per layer and decode. glibc serves
  anything over 32 MB from a fresh mmap and unmaps it on free, so every decode page-faulted
  ~200 MB in: 14-16 s of kernel time per 126 s call in file mode. With a 64 MB mmap threshold,
  a 128 MB trim threshold and 2 arenas, the buffers are reused: kernel time 3.6 s, peak RSS 474 ->
  507 MB. mallopt() cannot do it at run time (it refuses thresholds over 32 MB); the environment can.
- numpy's OpenBLAS starts a thread per core and spins it after each small matrix product
  (faster-whisper's mel filter bank): 13% of all CPU samples in ``blas_thread_server``.
Realtime (``benchmarks.sentences``), the same call: 0.540 -> 0.456 CPU-s per audio s, the same words."""


def tuned_env(environ: Mapping[str, str]) -> dict[str, str] | None:
    """The environment to re-execute with, or None when there is nothing to do: already tuned
    (or opted out with ``ONEUP_TUNED``), not glibc, or the user set any of these variables."""
    if TUNED_MARK in environ or any(k in environ for k in TUNED_ENV) or "GLIBC_TUNABLES" in environ:
        return None
    if sys.platform != "linux" or getattr(sys, "frozen", False):
        return None
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
    except (ValueError, OSError):  # musl and other libcs do not know the name
        return None
    return {**environ, **TUNED_ENV, TUNED_MARK: "1"}


def tune_process() -> None:
    """Re-execute this very command line once with ``TUNED_ENV`` (same PID, same open files)."""
    env = tuned_env(os.environ)
    if env is None or not sys.executable:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    except OSError:
        return  # cannot exec (a sandbox): run untuned, same results


def lenient_output() -> None:
    """A character the output's encoding lacks is written as "?" instead of ending the command with
    a traceback: on Windows, stdout redirected to a file is cp1252, which has no "➜" for a nudge
    line, and ``oneup classify`` writes back whatever text it was given."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)  # not on a replaced stream
    if reconfigure is not None:
        # ValueError, OSError: a stream already closed or detached; nothing will be written to it
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the program itself, not a caller inside Python
        tune_process()
        lenient_output()
    try:
        from cli.main import main as run

        return run(argv)
    except (ImportError, TypeError, AttributeError) as exc:
        message = explain(exc)
        if message is None:
            raise  # a bug in oneup itself: the traceback is what a report needs
        print(f"oneup: error: {message}", file=sys.stderr)
        return 2
