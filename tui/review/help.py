"""The review screen's help: every key, and how to read the screen."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓ j k  PgUp PgDn", "move by line / by page"),
    ("Home End  g G", "first / last line"),
    ("] [", "next / previous One-Down moment (nudge)"),
    ("m M", "next / previous marked moment"),
    ("/  n N", "search text and nudges · next / previous match"),
    ("p", "speaker: everyone → you → them"),
    ("l", "label: all → each label in the call"),
    ("o", "One-Down only, on / off"),
    ("x", "only lines --reclassify relabelled, on / off"),
    ("c  esc", "clear filters and search"),
    ("s t", "hide / show the summary, the timeline"),
    ("? q", "this help · quit"),
)

LEGEND: tuple[tuple[str, str], ...] = (
    ("▼ one-down  ➜", "you asked them for something · say this instead"),
    ("▲ one-up  ✓", "you brought them something"),
    ("⟳ now", "the label the detector gives today"),
    ("talk ▁▃▆█", "your share of talk over the call"),
    ("cues ▼ ▲ ★", "One-Down, One-Up, marked moments"),
    ("◆", "where the cursor is (click the timeline to jump)"),
)


class ReviewHelp(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review-help") as box:
            box.border_title = "oneup review · keys"
            yield Static(_grid(KEYS, "bold"), id="review-help-keys")
            yield Static(_grid(LEGEND, ""), id="review-help-legend")
            yield Static("esc, ? or q closes this help", id="review-help-close")


def _grid(rows: tuple[tuple[str, str], ...], key_style: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=key_style, no_wrap=True, min_width=19)
    grid.add_column()
    for key, what in rows:
        grid.add_row(Text(key), Text(what))
    return grid
