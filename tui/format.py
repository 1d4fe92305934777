"""Text formatters only the UI needs (call-wide ones, like ``clock``, live in ``core.fmt``)."""

from __future__ import annotations

from core.events import Speaker

SPEAKER_LABEL: dict[Speaker, str] = {"rep": "You", "prospect": "Them"}
"""Speakers are named in words so the transcript reads without colour."""


def short_path(path: str, width: int) -> str:
    """Fit a path into ``width`` cells, keeping its end (the file name is what people look for)."""
    if len(path) <= width:
        return path
    if width <= 1:
        return "…"[:width]
    return "…" + path[-(width - 1) :]
