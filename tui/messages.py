"""Typed Textual messages that carry pipeline events into the UI.

Each pipeline ``Event`` is wrapped in exactly one message type, posted straight
to the widget that owns the matching state (see ``tui.bridge``). Messages never
bubble: a widget handles its own and nothing else sees it.

High-rate messages (levels, status, partial text, coaching) override
``can_replace`` so that when the UI falls behind, Textual drops the stale one
still waiting in the queue and handles only the newest: typing stays
responsive however fast the pipeline talks.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from core.events import (
    Advisory,
    Coaching,
    Level,
    Mark,
    Nudge,
    Partial,
    SessionEnded,
    SessionStarted,
    Status,
    Utterance,
)


@dataclass
class UtteranceReceived(Message, bubble=False):
    """A final transcript line (never coalesced: every line matters)."""

    event: Utterance


@dataclass
class PartialChanged(Message, bubble=False):
    """Interim text of an utterance still being spoken."""

    event: Partial

    def can_replace(self, message: Message) -> bool:
        # Only the newest guess for the same speaker is worth drawing.
        return isinstance(message, PartialChanged) and message.event.speaker == self.event.speaker


@dataclass
class NudgeReceived(Message, bubble=False):
    """A coaching cue to show now."""

    event: Nudge

    def can_replace(self, message: Message) -> bool:
        # A newer nudge replaces the shown one anyway; skip drawing the stale one.
        return isinstance(message, NudgeReceived)


@dataclass
class CoachingChanged(Message, bubble=False):
    """Call-level signals (talk share, monologue, questions, tallies)."""

    event: Coaching

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CoachingChanged)


@dataclass
class LevelChanged(Message, bubble=False):
    """Input level of one channel (tens per second per channel)."""

    event: Level

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LevelChanged) and message.event.speaker == self.event.speaker


@dataclass
class StatusChanged(Message, bubble=False):
    """Pipeline health: latency, queue lag, overflows, call time."""

    event: Status

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatusChanged)


@dataclass
class MarkReceived(Message, bubble=False):
    """A moment the user marked, echoed back by the session with its call time."""

    event: Mark


@dataclass
class AdvisoryReceived(Message, bubble=False):
    """A one-time advice for the user (e.g. use headphones)."""

    event: Advisory


@dataclass
class SessionStartedReceived(Message, bubble=False):
    """The session is live: model, source, journal path, rep-only mode."""

    event: SessionStarted


@dataclass
class SessionEndedReceived(Message, bubble=False):
    """The session is over and its journal is complete."""

    event: SessionEnded
