"""Text formatters only the UI needs (call-wide ones, like ``clock``, live in ``core.fmt``)."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from core.events import Speaker

if TYPE_CHECKING:
    from textual.app import App

SPEAKER_LABEL: dict[Speaker, str] = {"rep": "You", "prospect": "Them"}
"""Speakers are named in words so the transcript reads without colour."""


def short_path(path: str, width: int) -> str:
    """Fit a path into ``width`` cells, keeping its end (the file name is what people look for); a
    wide character (CJK, most emoji) takes two cells. The cut never leaves a mark, a joiner or a
    variation selector stranded after the ellipsis."""
    if cell_len(path) <= width:
        return path
    if width <= 1:
        return "…"[: max(width, 0)]
    start = len(path)
    while start > 0 and cell_len(path[start - 1 :]) <= width - 1:  # the suffix measured whole
        start -= 1
    while start < len(path) and unicodedata.category(path[start]) in _CLINGS:
        start += 1
    return "…" + path[start:]


_CLINGS = ("Mn", "Me", "Mc", "Cf", "Sk")
"""Unicode categories that belong to the character before them (combining marks, joiners and
variation selectors, emoji skin tones)."""


def short_end(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, its start kept and an ellipsis for the rest."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)).rstrip() + "…"


def longest_fit(forms: tuple[str, ...], width: int) -> str:
    """The first (longest) of ``forms`` that fits ``width`` cells, else the last."""
    return next((form for form in forms if cell_len(form) <= width), forms[-1])


def two_rows(first: Text, second: Text, width: int) -> Text:
    """A two-row widget's text, each row cut to ``width`` (with an ellipsis): a row that wrapped would
    push the second one (the One-Down count, the journal's name) out of the widget."""
    for row in (first, second):
        row.truncate(max(1, width), overflow="ellipsis")
    return Text("\n").join((first, second))


def plain_notify(app: App[Any], message: str, *, timeout: float) -> None:
    """A notification shown as written: text the user typed ("[/]", "[$x]") is no markup."""
    try:
        app.notify(message, timeout=timeout, markup=False)
    except TypeError:  # a Textual before notify(markup=...): its markup is Rich's, escaped so
        from rich.markup import escape

        app.notify(escape(message), timeout=timeout)
