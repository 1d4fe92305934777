"""What a front end (the Textual UI, the headless printer) drives: one call session.

The front end calls ``run`` in a background thread and receives every ``Event``
through ``sink``, from pipeline threads. ``sink`` must be thread-safe and quick
(post a message, print a line); it must never block on the UI.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Protocol

from core.events import Event

Sink = Callable[[Event], None]

STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals a front end answers as the user quitting (``stop``: the call is saved, summary and
transcript): kill or a service manager (SIGTERM), and the terminal closing or an SSH connection
dropping (SIGHUP), which otherwise killed the process with the call's end unwritten. Ctrl-C is the
front end's own key."""


class CallSession(Protocol):
    """A running call: audio in, events out, a journal on disk."""

    journal_path: str
    """Where the session journal is being written."""

    def run(self, sink: Sink) -> None:
        """Process the call until the audio ends or ``stop`` is called; blocks.

        The last event sent is always ``SessionEnded`` (also after an error).
        """

    def stop(self, signal_name: str = "") -> None:
        """Ask ``run`` to finish: flush pending utterances, write the summary, return. A second call
        asks it to finish now: speech still waiting for the model is not transcribed (the journal
        says so), and the summary is written as soon as the decode in progress ends.

        ``signal_name`` (e.g. "SIGTERM"): the stop came from outside, not from the user's own key;
        the call ends as ``EndReason.STOPPED`` with that detail instead of ``USER_QUIT``."""

    def set_paused(self, paused: bool) -> None:
        """While paused, incoming audio is discarded (not transcribed, not journaled)."""

    def mark(self, note: str = "") -> None:
        """Record a marked moment at the current call time (journaled, echoed as ``Mark``)."""
