"""Small text formatters shared by the widgets (pure, so tests can pin them)."""

from __future__ import annotations

from live.events import Speaker

SPEAKER_LABEL: dict[Speaker, str] = {"rep": "You", "prospect": "Them"}
"""Speakers are named in words so the transcript reads without colour."""


def clock(seconds: float) -> str:
    """Call time as m:ss / mm:ss (minutes keep counting past an hour: calls are short)."""
    total = max(0, int(seconds))
    return f"{total // 60:02d}:{total % 60:02d}"


def short_path(path: str, width: int) -> str:
    """Fit a path into ``width`` cells, keeping its end (the file name is what people look for)."""
    if len(path) <= width:
        return path
    if width <= 1:
        return "…"[:width]
    return "…" + path[-(width - 1) :]
