"""One help screen for both UIs: a table of keys and a legend of what the screen shows."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

Rows = tuple[tuple[str, str], ...]


def key_grid(rows: Rows, key_style: str, key_width: int) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=key_style, no_wrap=True, min_width=key_width)
    grid.add_column()
    for key, what in rows:
        grid.add_row(Text(key), Text(what))  # Text, not markup: the keys contain brackets.
    return grid


class HelpScreen(ModalScreen[None]):
    """Modal: what runs underneath (a live call) keeps running while the help is read.

    Subclasses set ``KEYS``, ``LEGEND``, ``TITLE_TEXT``, ``CLOSE_TEXT``, ``BOX_ID``
    (the CSS id of the box; its parts get ``-keys``, ``-legend`` and ``-close``),
    ``SCROLLS`` and their ``BINDINGS``.
    """

    KEYS: ClassVar[Rows] = ()
    LEGEND: ClassVar[Rows] = ()
    TITLE_TEXT: ClassVar[str] = "oneup · help"
    CLOSE_TEXT: ClassVar[str] = "esc or ? closes this help"
    BOX_ID: ClassVar[str] = "help"
    KEY_WIDTH: ClassVar[int] = 13
    SCROLLS: ClassVar[bool] = False
    """A long help (review's) scrolls; a short one sits still over the live call."""

    def compose(self) -> ComposeResult:
        container = VerticalScroll if self.SCROLLS else Vertical
        with container(id=self.BOX_ID) as box:
            box.border_title = self.TITLE_TEXT
            yield Static(key_grid(self.KEYS, "bold", self.KEY_WIDTH), id=f"{self.BOX_ID}-keys")
            yield Static(key_grid(self.LEGEND, "", self.KEY_WIDTH), id=f"{self.BOX_ID}-legend")
            yield Static(self.CLOSE_TEXT, id=f"{self.BOX_ID}-close")
