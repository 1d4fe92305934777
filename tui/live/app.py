"""The Textual coaching UI: a thin App that runs a ``CallSession`` and routes its events to widgets.

Launch (what ``oneup live`` / ``oneup demo`` do)::

    journal = CoachApp(session, UiConfig(model="tiny.en", source="demo call")).run()
    if journal:
        print(f"saved to {journal}")

The App only owns the session's lifecycle (running, paused, stopping, ended)
and the keys; every piece of display state lives in the widget that draws it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from core.events import Speaker
from live.session import STOP_SIGNALS, CallSession, Sink
from tui.bridge import EventBridge, Routes
from tui.live.help import HelpScreen
from tui.live.widgets.balance import TalkBalance
from tui.live.widgets.nudge import NudgePanel
from tui.live.widgets.status import LevelMeter, StatusLine
from tui.live.widgets.transcript import MAX_LINES, Transcript
from tui.messages import AdvisoryReceived, SessionEndedReceived, SessionStartedReceived


@dataclass(frozen=True, slots=True)
class UiConfig:
    """What the status line shows before ``SessionStarted`` arrives (which then wins)."""

    model: str = ""
    """Model name, e.g. "tiny.en"."""
    source: str = ""
    """Where the audio comes from / which device, e.g. "mic: USB + loopback: Monitor of ..."."""
    rep_only: bool = False
    """No call audio: the talk balance is meaningless and is not drawn."""
    journal: str = ""
    """Journal path; defaults to ``session.journal_path``."""
    max_lines: int = MAX_LINES
    """Transcript lines kept on screen."""


class CoachApp(App[str | None]):
    """Runs ``session`` in a thread worker; ``run()`` returns the journal path once the session is saved."""

    CSS_PATH = "app.tcss"
    TITLE = "oneup"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        # Two bindings on space so the footer says what the key will do next.
        Binding("space", "pause", "Pause"),
        Binding("space", "resume", "Resume"),
        Binding("m", "mark", "Mark"),
        Binding("n", "dismiss_nudge", "Dismiss nudge"),
        Binding("q", "quit", "Quit & save"),
        # Ctrl-C and Ctrl-Q are what a terminal user tries first: the same as q (Textual's own ctrl+c
        # only tells you to press ctrl+q).
        Binding("ctrl+c,ctrl+q", "quit", "Quit & save", show=False, priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, session: CallSession, config: UiConfig | None = None) -> None:
        super().__init__()
        self.session = session
        self.config = config or UiConfig()
        self.journal: str = self.config.journal or session.journal_path
        self.paused = False
        self.stopping = False
        """The user asked to quit: waiting for ``SessionEnded`` (the journal is complete then)."""
        self.ended = False
        self.hung_up = False
        """The terminal was closed (SIGHUP): leave once the call is saved (``_hung_up``)."""
        self._stopped_by = ""
        """The signal that asks to quit (kill, the terminal closing), if one did: the journal says so."""
        self._advised: set[str] = set()
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Transcript(self.config.max_lines, id="transcript")
        yield NudgePanel(id="nudge")
        yield TalkBalance(id="balance")
        yield Static(id="banner")
        with Horizontal(id="statusbar"):
            yield StatusLine(id="status")
            with Vertical(id="meters"):
                yield LevelMeter("rep", id="level-rep")
                yield LevelMeter("prospect", id="level-prospect")
        yield Footer()

    def on_mount(self) -> None:
        status = self.query_one(StatusLine)
        status.model, status.source, status.journal = self.config.model, self.config.source, self.journal
        self.query_one(TalkBalance).rep_only = self.config.rep_only
        meters: dict[Speaker, LevelMeter] = {m.speaker: m for m in self.query(LevelMeter)}
        meters["prospect"].enabled = not self.config.rep_only
        bridge = EventBridge(
            Routes(
                app=self,
                transcript=self.query_one(Transcript),
                nudge=self.query_one(NudgePanel),
                balance=self.query_one(TalkBalance),
                status=status,
                meters=meters,
            )
        )
        self._worker = self._run_session(bridge)
        # kill / a service manager, or the terminal closed (SIGHUP): save and end, as q does (not on
        # Windows, nor off the main thread).
        for stop in STOP_SIGNALS:
            if signal.getsignal(stop) is signal.SIG_IGN:
                continue  # ignored by whoever started oneup (nohup): it stays ignored
            hung_up = stop == getattr(signal, "SIGHUP", None)
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop = asyncio.get_running_loop()
                if hung_up:
                    loop.add_signal_handler(stop, self._hung_up)
                else:
                    loop.add_signal_handler(stop, self._terminated, stop.name)

    def _terminated(self, name: str = "SIGTERM") -> None:
        self._stopped_by = self._stopped_by or name
        self.call_later(self.action_quit)

    def _hung_up(self) -> None:
        """The terminal is gone (SIGHUP): save the call as q does, then leave without restoring the
        terminal. Textual's writer thread dies on the closed terminal, and its exit then waits for
        ever: seen as a process left behind, its call saved, for as long as the machine ran."""
        self.hung_up = True
        if self.ended:
            self._leave()
        else:
            self._terminated("SIGHUP")

    def _leave(self) -> None:
        """Exit at once (after a hang-up, with the journal and transcript written and closed)."""
        os._exit(0)

    @work(thread=True, exit_on_error=False, name="call-session")
    def _run_session(self, sink: Sink) -> None:
        """Blocks in a worker thread for the whole call; events come back through ``sink``."""
        self.session.run(sink)

    def on_unmount(self) -> None:
        # Leaving without a clean quit (e.g. an exception): still let the session
        # finish its journal, and let the worker thread return.
        if not self.ended:
            self.session.stop()
        for stop in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                asyncio.get_running_loop().remove_signal_handler(stop)

    # Lifecycle events (everything else goes straight to the widgets).

    def on_session_started_received(self, message: SessionStartedReceived) -> None:
        self.journal = message.event.journal or self.journal

    def on_session_ended_received(self, message: SessionEndedReceived) -> None:
        self.journal = message.event.journal or self.journal
        self._end(f"call ended ({message.event.text}) — saved to {self.journal} · press q to quit")

    def on_advisory_received(self, message: AdvisoryReceived) -> None:
        text = message.event.message
        if text not in self._advised:
            self._advised.add(text)
            self.notify(text, title="Advice", severity="warning", timeout=15)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or self.ended:
            return
        if event.state == WorkerState.ERROR:
            self._end(f"session error: {event.worker.error} — journal: {self.journal} · press q to quit")
        elif event.state == WorkerState.SUCCESS:
            # ``run`` must end with SessionEnded; if it returned without one, don't hang.
            self._end(f"call ended — saved to {self.journal} · press q to quit")

    def _end(self, banner: str) -> None:
        self.ended = True
        if self.stopping and self.hung_up:
            self._leave()
            return
        if self.stopping:
            self.exit(self.journal)
            return
        status = self.query_one(StatusLine)
        status.phase, status.journal = "ended", self.journal
        self._show_banner(banner)
        self.refresh_bindings()

    def _show_banner(self, text: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(text)
        banner.display = True

    # Keys.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the space binding that doesn't apply; grey out call controls once the call is over."""
        over = self.ended or self.stopping
        if action == "pause":
            return not (self.paused or over)
        if action == "resume":
            return self.paused and not over
        if action == "mark" and over:
            return None
        return True

    def action_pause(self) -> None:
        self._set_paused(True)

    def action_resume(self) -> None:
        self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.session.set_paused(paused)
        self.query_one(StatusLine).phase = "paused" if paused else "live"
        self.refresh_bindings()

    def action_mark(self) -> None:
        self.session.mark()
        self.notify("Moment marked", timeout=2)

    def action_dismiss_nudge(self) -> None:
        self.query_one(NudgePanel).dismiss()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """First q: stop and wait for the journal to be complete; a second q stops waiting."""
        if self.ended or self.stopping:
            if not self.ended:
                self.session.stop()  # a second stop: the session drops what still waits for the model
            self.exit(self.journal)
            return
        self.stopping = True
        self.refresh_bindings()
        self.query_one(StatusLine).phase = "saving"
        self._show_banner("saving the journal… (q again quits without waiting)")
        self.session.stop(self._stopped_by)
