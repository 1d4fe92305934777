"""The help screen: keys, and how to read the screen."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

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


class HelpScreen(ModalScreen[None]):
    """Modal, so the call keeps streaming underneath while the rep reads it."""

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

    def compose(self) -> ComposeResult:
        with Vertical(id="help") as box:
            box.border_title = "oneup · help"
            yield Static(_grid(KEYS, key_style="bold"), id="help-keys")
            yield Static(_grid(LEGEND, key_style=""), id="help-legend")
            yield Static("esc or ? closes this help", id="help-close")


def _grid(rows: tuple[tuple[str, str], ...], key_style: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=key_style, no_wrap=True, min_width=13)
    grid.add_column()
    for key, what in rows:
        grid.add_row(Text(key), Text(what))  # Text, not markup: the keys contain brackets.
    return grid
