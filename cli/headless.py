"""Headless front end: events as plain lines on stdout (no Textual imported anywhere)."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from cli.output import silence
from core.events import Advisory, EndReason, Event, Mark, Nudge, SessionEnded, SessionStarted, Utterance
from core.fmt import clock


class LinePrinter:
    """A thread-safe ``Sink`` that prints finals, nudges and the session's start and end."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._lock = threading.Lock()
        self.ended: SessionEnded | None = None
        self.closed = False
        """The reader went away (``oneup run call.wav | head -1``): nothing more is printed."""

    def __call__(self, event: Event) -> None:
        line = self._format(event)
        if line is None:
            return
        with self._lock:
            if self.closed:
                return
            try:
                print(line, file=self._out, flush=True)
            except OSError:  # a reader gone or a terminal closed: the call goes on to its end
                self.closed = True
                silence(self._out)

    def _format(self, e: Event) -> str | None:
        if isinstance(e, Utterance):
            who = "REP     " if e.speaker == "rep" else "PROSPECT"
            tag = ""
            if e.label is not None and e.label.unsure and e.label.guess is not None:
                tag = f"  [unsure: {e.label.guess.label}? {e.label.guess.confidence:.2f}]"
            elif e.label is not None:
                tag = f"  [{e.label.stance}: {e.label.label} {e.label.confidence:.2f}]"
            return f"[{clock(e.start)}] {who} {e.text}{tag}"
        if isinstance(e, Nudge):
            arrow = "➜ One-Up:" if e.stance == "one-down" else "✓"
            why = f"  (because: “{e.evidence}”)" if e.evidence else ""
            like = f"  (like: {e.like})" if e.like else ""
            return f"           NUDGE    {arrow} {e.text}{why}{like}"
        if isinstance(e, Mark):
            return f"[{clock(e.at)}] MARK     {e.note}".rstrip()
        if isinstance(e, Advisory):
            return f"           NOTE     {e.message}"
        if isinstance(e, SessionStarted):
            mode = "rep only (no prospect channel)" if e.rep_only else "rep + prospect"
            return f"oneup: {e.source} · {mode} · model {e.model} · journal {e.journal}"
        if isinstance(e, SessionEnded):
            self.ended = e
            if e.reason is EndReason.ERROR:
                return None  # said once, as the command's one error line (cli.main)
            return f"oneup: session ended ({e.text}); saved to {e.journal} and {e.transcript}"
        return None
