"""The review screen's help: every key, and how to read the screen."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.common.help import HelpScreen

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


class ReviewHelp(HelpScreen):
    KEYS = KEYS
    LEGEND = LEGEND
    TITLE_TEXT = "oneup review · keys"
    CLOSE_TEXT = "esc, ? or q closes this help"
    BOX_ID = "review-help"
    KEY_WIDTH = 19
    SCROLLS = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc"),
    ]
