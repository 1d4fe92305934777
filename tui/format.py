"""Text formatters only the UI needs (call-wide ones, like ``clock``, live in ``core.fmt``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.events import Speaker

if TYPE_CHECKING:
    from textual.app import App

SPEAKER_LABEL: dict[Speaker, str] = {"rep": "You", "prospect": "Them"}
"""Speakers are named in words so the transcript reads without colour."""


def short_path(path: str, width: int) -> str:
    """Fit a path into ``width`` cells, keeping its end (the file name is what people look for)."""
    if len(path) <= width:
        return path
    if width <= 1:
        return "…"[:width]
    return "…" + path[-(width - 1) :]


def plain_notify(app: App[Any], message: str, *, timeout: float) -> None:
    """A notification shown as written: text the user typed ("[/]", "[$x]") is no markup."""
    try:
        app.notify(message, timeout=timeout, markup=False)
    except TypeError:  # a Textual before notify(markup=...): its markup is Rich's, escaped so
        from rich.markup import escape

        app.notify(escape(message), timeout=timeout)
