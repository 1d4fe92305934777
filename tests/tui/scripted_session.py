"""A ``CallSession`` that replays scripted events, for the UI tests (and for looking at the UI by hand).

It behaves like the real one where the UI can tell: ``run`` blocks in the
worker thread and calls the sink from that thread, ``mark`` is echoed back as
a ``Mark`` event, ``stop`` makes ``run`` end with ``SessionEnded``. It also
records every control call so tests can assert on them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Final

from core.events import (
    Coaching,
    EndReason,
    Event,
    Label,
    Level,
    Mark,
    Nudge,
    Partial,
    SessionEnded,
    SessionStarted,
    Speaker,
    Stance,
    Status,
    Utterance,
)
from live.session import Sink

Step = Event | float
"""An event to send, or a pause in seconds (cut short by ``stop``)."""

_STOP: Final = object()
JOURNAL = "out/demo-call.jsonl"


class ScriptedSession:
    """Plays ``script`` (a list or a lazy iterator), then whatever tests ``push``, until stopped."""

    def __init__(
        self, script: Iterable[Step] = (), *, journal_path: str = JOURNAL, stop_ends: bool = True
    ) -> None:
        self.journal_path = journal_path
        self.stop_ends = stop_ends
        """False: ``stop`` is only recorded; the test sends ``SessionEnded`` when it likes (a slow save)."""
        self.calls: list[tuple[str, object]] = []
        """("set_paused", bool), ("mark", note), ("stop", None) in call order (("stop", "SIGTERM") when a
        signal stopped it)."""
        self.call_times: list[float] = []
        """``time.perf_counter()`` of each entry in ``calls``."""
        self.sent: list[Event] = []
        self._script: Iterator[Step] = iter(script)
        self._script_done = threading.Event()
        self._queue: queue.SimpleQueue[Step | object] = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ended = False
        self._call_time = 0.0
        self.call_thread: int | None = None
        self.sink_threads: set[int] = set()

    # CallSession

    def run(self, sink: Sink) -> None:
        self.call_thread = threading.get_ident()
        for step in self._script:
            self._play_pushed(sink, block=False)
            if self._stop.is_set() or self._ended:
                break
            self._play(step, sink)
        self._script_done.set()
        while not (self._stop.is_set() or self._ended):
            if not self._play_pushed(sink, block=True):
                break
        if not self._ended:
            self._send(SessionEnded(self.journal_path, self.journal_path + ".md", EndReason.USER_QUIT), sink)

    def stop(self, signal_name: str = "") -> None:
        self._record(("stop", signal_name or None))
        if self.stop_ends:
            self._stop.set()
            self._queue.put(_STOP)

    def set_paused(self, paused: bool) -> None:
        self._record(("set_paused", paused))

    def mark(self, note: str = "") -> None:
        self._record(("mark", note))
        self.push(Mark(at=self._call_time, note=note))

    # Test helpers

    def _record(self, call: tuple[str, object]) -> None:
        self.calls.append(call)
        self.call_times.append(time.perf_counter())

    def push(self, *steps: Step) -> None:
        """Queue more steps; they play after the script (or between its steps)."""
        with self._lock:
            self._pending += len(steps)
        for step in steps:
            self._queue.put(step)

    @property
    def drained(self) -> bool:
        """Everything scripted and pushed so far has been sent (or the session is over)."""
        with self._lock:
            pending = self._pending
        return self._ended or (self._script_done.is_set() and pending == 0)

    def count(self, kind: type) -> int:
        return sum(isinstance(event, kind) for event in self.sent)

    # Internals

    def _play_pushed(self, sink: Sink, *, block: bool) -> bool:
        """Send queued steps; False once the stop sentinel is seen."""
        while True:
            try:
                step = self._queue.get(block=block)
            except queue.Empty:
                return True
            if step is _STOP:
                return False
            assert isinstance(step, Event | float | int)
            self._play(step, sink)
            with self._lock:
                self._pending -= 1
            if not block:
                continue
            return True

    def _play(self, step: Step, sink: Sink) -> None:
        if isinstance(step, float | int):
            self._stop.wait(step)
            return
        self._send(step, sink)

    def _send(self, event: Event, sink: Sink) -> None:
        self.sink_threads.add(threading.get_ident())
        match event:
            case Status():
                self._call_time = event.call_time
            case Utterance():
                self._call_time = max(self._call_time, event.end)
            case SessionEnded():
                self._ended = True
        self.sent.append(event)
        sink(event)


# A deterministic scripted call -------------------------------------------------------------

MODEL = "tiny.en (cpu int8)"
SOURCE = "demo: embedded call"


def label(name: str, stance: Stance, evidence: str, nudge: str | None = None) -> Label:
    return Label(name, stance, 0.9, evidence, nudge)


def utterance(
    speaker: Speaker, start: float, end: float, text: str, lab: Label | None = None, latency: float = 0.8
) -> Utterance:
    return Utterance(speaker, start, end, text, voiced_s=(end - start) * 0.9, latency_s=latency, label=lab)


def coaching(rep_s: float, prospect_s: float, **kw: object) -> Coaching:
    total = rep_s + prospect_s
    fields: dict[str, object] = {
        "rep_s": rep_s,
        "prospect_s": prospect_s,
        "rep_share": rep_s / total if total else None,
        "target_share": 0.45,
        "target_band": 0.10,
        "current_monologue_s": 0.0,
        "longest_monologue_s": 0.0,
        "monologue_alert": False,
        "questions": 0,
        "patience_s": None,
    }
    fields.update(kw)
    return Coaching(**fields)  # type: ignore[arg-type]


def started(rep_only: bool = False, journal: str = JOURNAL, model: str = MODEL) -> SessionStarted:
    return SessionStarted(journal=journal, model=model, source=SOURCE, rep_only=rep_only)


PAIN_NUDGE = "Don't ask for their pain: say why companies like theirs usually have it."
PERSPECTIVE_NUDGE = "Nice, that's One-Up. Now connect the trend to what it costs them."


def scripted_call(rep_only: bool = False) -> list[Step]:
    """About a minute and a half of a sales call: One-Down moments, then One-Up ones."""
    rapport = label("rapport", "one-down", "how was your weekend", "Skip the small talk: open with a change.")
    pain = label("pain_probe", "one-down", "what are your biggest challenges", PAIN_NUDGE)
    perspective = label("perspective", "one-up", "what we're seeing across the industry", PERSPECTIVE_NUDGE)
    neutral = label("neutral", "neutral", "")
    script: list[Step] = [
        started(rep_only),
        Level("rep", -24.0, 0.1),
        utterance("rep", 0.6, 4.8, "Hi Priya, thanks for making the time. How was your weekend?", rapport),
        coaching(3.8, 0.0, questions=1, one_down=1, current_monologue_s=4.2, longest_monologue_s=4.2),
    ]
    if not rep_only:
        script += [
            utterance("prospect", 5.5, 9.0, "Good, thanks. The kids wore themselves out at the lake."),
            coaching(3.8, 3.2, questions=1, one_down=1, longest_monologue_s=4.2),
        ]
    script += [
        utterance(
            "rep", 9.8, 16.2, "So what would you say are your biggest challenges with scheduling?", pain
        ),
        Nudge("pain_probe", "one-down", PAIN_NUDGE, pain.evidence, 9.8),
        coaching(9.6, 3.2, questions=2, one_down=2, current_monologue_s=6.4, longest_monologue_s=6.4),
    ]
    if not rep_only:
        script += [
            utterance(
                "prospect",
                17.0,
                26.5,
                "Honestly, no-shows. On a bad Monday we're missing a big chunk of the pick team, "
                "and we pay for it in overtime.",
            ),
            coaching(9.6, 11.7, questions=2, one_down=2, longest_monologue_s=6.4),
        ]
    script += [
        utterance("rep", 27.3, 29.0, "Okay, got it.", neutral, latency=0.6),
        utterance(
            "rep",
            29.4,
            41.0,
            "What we're seeing across the industry is that since same-day delivery took off, "
            "daily order volume swings wildly while the labour pool has shrunk.",
            perspective,
            latency=1.1,
        ),
        Nudge("perspective", "one-up", PERSPECTIVE_NUDGE, perspective.evidence, 29.4),
        coaching(
            21.5,
            11.7,
            questions=2,
            one_down=2,
            one_up=1,
            current_monologue_s=92.0,
            longest_monologue_s=92.0,
            monologue_alert=True,
        ),
        Partial("rep", 42.0, "And that usually shows up as"),
        Level("rep", -18.0, 43.0),
        Level("prospect", -60.0 if rep_only else -41.0, 43.0),
        Status(queue_lag_s=0.4, last_latency_s=1.1, overflows=0, call_time=43.5),
    ]
    if rep_only:  # No call audio: no prospect level, no talk share.
        script = [
            replace(step, rep_share=None) if isinstance(step, Coaching) else step
            for step in script
            if not (isinstance(step, Level) and step.speaker == "prospect")
        ]
    return script
