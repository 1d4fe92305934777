"""The live screen's help: keys, and how to read the screen."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.common.help import HelpScreen as BaseHelp

KEYS: tuple[tuple[str, str], ...] = (
    ("space", "pause / resume (paused audio is not kept)"),
    ("m", "mark this moment in the journal"),
    ("n", "dismiss the current nudge"),
    ("q", "stop, save and quit (twice: don't wait)"),
    ("?", "show / hide this help"),
)

LEGEND: tuple[tuple[str, str], ...] = (
    ("You / Them", "your microphone / the call audio"),
    ("[one-down: …]", "you asked them for something"),
    ("[one-up: …]", "you brought them something"),
    ("┃ ┃", "target band for your talk share"),
    ("latency", "end of speech to its text on screen"),
    ("queue", "speech still waiting to be transcribed"),
    ("overflows", "audio blocks the sound card dropped"),
)


class HelpScreen(BaseHelp):
    """Modal, so the call keeps streaming underneath while the rep reads it."""

    KEYS = KEYS
    LEGEND = LEGEND
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", key_display="?"),
        # A modal screen hides the App's keys; the call's keys must keep working mid-call.
        Binding("space", "app.pause", "Pause", show=False),
        Binding("space", "app.resume", "Resume", show=False),
        Binding("m", "app.mark", "Mark", show=False),
        Binding("n", "app.dismiss_nudge", "Dismiss nudge", show=False),
        Binding("q", "app.quit", "Quit & save", show=False),
    ]
