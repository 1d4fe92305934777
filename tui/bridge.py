"""The one place where pipeline threads meet the UI.

``EventBridge`` is the ``Sink`` handed to ``CallSession.run``. It is called
from pipeline threads, so it only wraps the event in its typed message and
``post_message``s it (thread-safe) straight to the widget that owns that state.
Posting to the owning widget, not to the App, gives each widget its own queue:
a burst of level updates can neither delay a key press (the App's queue) nor
break up runs of same-kind messages that ``can_replace`` coalesces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.message import Message
from textual.message_pump import MessagePump

from core.events import (
    Advisory,
    Coaching,
    Event,
    Level,
    Mark,
    Nudge,
    Partial,
    SessionEnded,
    SessionStarted,
    Speaker,
    Status,
    Utterance,
)
from tui.messages import (
    AdvisoryReceived,
    CoachingChanged,
    LevelChanged,
    MarkReceived,
    NudgeReceived,
    PartialChanged,
    SessionEndedReceived,
    SessionStartedReceived,
    StatusChanged,
    UtteranceReceived,
)


@dataclass(frozen=True)
class Routes:
    """Who owns what: resolved once on the UI thread, then only read by pipeline threads."""

    app: MessagePump
    transcript: MessagePump
    nudge: MessagePump
    balance: MessagePump
    status: MessagePump
    meters: Mapping[Speaker, MessagePump]


class EventBridge:
    """A thread-safe ``Sink``: event in, typed message out to its owning widget(s)."""

    def __init__(self, routes: Routes) -> None:
        self._routes = routes

    def __call__(self, event: Event) -> None:
        for target, message in self._deliveries(event):
            target.post_message(message)

    def _deliveries(self, event: Event) -> list[tuple[MessagePump, Message]]:
        r = self._routes
        match event:
            case Level():
                return [(r.meters[event.speaker], LevelChanged(event))]
            case Status():
                return [(r.status, StatusChanged(event))]
            case Partial():
                return [(r.transcript, PartialChanged(event))]
            case Utterance():
                return [(r.transcript, UtteranceReceived(event))]
            case Coaching():
                return [(r.balance, CoachingChanged(event))]
            case Nudge():
                return [(r.nudge, NudgeReceived(event))]
            case Mark():
                return [(r.transcript, MarkReceived(event))]
            case Advisory():
                return [(r.app, AdvisoryReceived(event))]
            case SessionStarted():
                # A message object is delivered once, so each owner gets its own.
                owners = (r.status, r.balance, *r.meters.values(), r.app)
                return [(t, SessionStartedReceived(event)) for t in owners]
            case SessionEnded():
                return [(t, SessionEndedReceived(event)) for t in (r.transcript, r.app)]
        return []
