"""The status line: session state, pipeline health, recording path, and per-channel input meters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.events import Speaker, Status
from core.fmt import clock
from tui.format import SPEAKER_LABEL, short_path
from tui.messages import LevelChanged, SessionStartedReceived, StatusChanged

FLOOR_DBFS = -60.0
"""Levels at or below this show an empty meter (room noise of a quiet mic sits around -60..-50)."""
HOT_DBFS = -12.0
CLIP_DBFS = -3.0
METER_CELLS = 5
PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉"
NARROW = 60
"""Below this many columns the second status row gives up the "journal" word and the model's full name."""
LAG_WARN_S = 2.0
"""Queue lag past this means transcripts (and nudges) are arriving late."""

Phase = Literal["starting", "live", "paused", "saving", "ended"]


def short_end(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, its start kept."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def meter_glyphs(dbfs: float, cells: int = METER_CELLS) -> str:
    """A level as a small horizontal bar, eighth-cell resolution, ``·`` for empty cells."""
    if math.isnan(dbfs):
        dbfs = FLOOR_DBFS
    fraction = (min(0.0, max(FLOOR_DBFS, dbfs)) - FLOOR_DBFS) / -FLOOR_DBFS
    eighths = round(fraction * cells * 8)
    full, rest = divmod(eighths, 8)
    glyphs = "█" * full + (PARTIAL_BLOCKS[rest] if rest and full < cells else "")
    return glyphs + "·" * (cells - len(glyphs))


class LevelMeter(Widget):
    """Owns one channel's latest level; each channel gets its own widget so updates coalesce per channel."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"meter--label", "meter--ok", "meter--hot", "meter--clip"}

    dbfs: reactive[float | None] = reactive(None)
    enabled: reactive[bool] = reactive(True, layout=True)

    def __init__(self, speaker: Speaker, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.speaker = speaker

    def on_level_changed(self, message: LevelChanged) -> None:
        self.dbfs = message.event.dbfs

    def on_session_started_received(self, message: SessionStartedReceived) -> None:
        # Rep-only mode has no call audio: say so rather than show a dead meter.
        self.enabled = not (message.event.rep_only and self.speaker == "prospect")

    def render(self) -> Text:
        style = self.get_component_rich_style
        text = Text(f"{SPEAKER_LABEL[self.speaker]:<4} ", style=style("meter--label"))
        if not self.enabled:
            text.append("off")
            return text
        dbfs = FLOOR_DBFS if self.dbfs is None else self.dbfs
        level = "clip" if dbfs > CLIP_DBFS else "hot" if dbfs > HOT_DBFS else "ok"
        text.append(meter_glyphs(dbfs), style=style(f"meter--{level}"))
        return text


@dataclass(frozen=True)
class _Piece:
    """A status field with a long label for wide terminals and a short one for 80 columns."""

    long: str
    short: str
    role: str


class StatusLine(Widget):
    """Owns session state (live, paused, saving, ended) and the latest pipeline health."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--live",
        "status--paused",
        "status--saving",
        "status--ended",
        "status--dim",
        "status--warn",
        "status--text",
    }

    phase: reactive[Phase] = reactive("starting")
    status: reactive[Status | None] = reactive(None)
    model: reactive[str] = reactive("")
    source: reactive[str] = reactive("")
    journal: reactive[str] = reactive("")

    def on_status_changed(self, message: StatusChanged) -> None:
        self.status = message.event

    def on_session_started_received(self, message: SessionStartedReceived) -> None:
        event = message.event
        self.model, self.source, self.journal = event.model, event.source, event.journal
        if self.phase == "starting":
            self.phase = "live"

    def _health(self) -> list[_Piece]:
        s = self.status
        state = {
            "starting": "○ STARTING",
            "live": "● LIVE",
            "paused": "‖ PAUSED",
            "saving": "… SAVING",
            "ended": "■ ENDED",
        }[self.phase]
        if s is not None:
            state += f" {clock(s.call_time)}"
        pieces = [_Piece(state, state, f"status--{'live' if self.phase == 'starting' else self.phase}")]
        if s is not None:
            latency = "--" if s.last_latency_s is None else f"{s.last_latency_s:.1f}s"
            pieces.append(_Piece(f"latency {latency}", f"lat {latency}", "status--text"))
            lag_role = "status--warn" if s.queue_lag_s > LAG_WARN_S else "status--text"
            pieces.append(_Piece(f"queue {s.queue_lag_s:.1f}s", f"lag {s.queue_lag_s:.1f}s", lag_role))
            ovf_role = "status--warn" if s.overflows else "status--text"
            pieces.append(_Piece(f"overflows {s.overflows}", f"ovf {s.overflows}", ovf_role))
        return pieces

    def render(self) -> Text:
        style = self.get_component_rich_style
        width = self.size.width
        sep = " │ "
        # Line 1: state and pipeline health; long labels when they fit.
        pieces = self._health()
        long_width = sum(len(p.long) for p in pieces) + len(sep) * (len(pieces) - 1)
        use_long = long_width <= width
        health_sep = sep
        if not use_long:  # Too wide in short form too: healthy figures give way, then the separators.

            def too_wide() -> bool:
                return sum(len(p.short) for p in pieces) + len(health_sep) * (len(pieces) - 1) > width

            while too_wide() and any(i and p.role == "status--text" for i, p in enumerate(pieces)):
                del pieces[max(i for i, p in enumerate(pieces) if i and p.role == "status--text")]
            if too_wide():
                health_sep = " "
        text = Text()
        for i, piece in enumerate(pieces):
            if i:
                text.append(health_sep, style=style("status--dim"))
            text.append(piece.long if use_long else piece.short, style=style(piece.role))
        # Line 2: what is listening, and where the call is being saved. The file
        # name matters most, so the source gives way first, then the path's start.
        text.append("\n")
        model = " · ".join(part for part in (self.model, self.source) if part)
        journal = f"journal {self.journal}" if self.journal else ""
        if model and journal and len(self.model) + len(sep) + len(journal) > width and width < NARROW:
            # A sidebar terminal: the model's name shortened, no "journal" word, the path's end.
            name = short_end(self.model, max(4, width - len(sep) - len(self.journal)))
            text.append(name, style=style("status--dim"))
            text.append(sep, style=style("status--dim"))
            text.append(
                short_path(self.journal, max(1, width - len(name) - len(sep))), style=style("status--text")
            )
        elif model and journal:
            room = max(len(self.model), width - len(sep) - len(journal))
            model = model if len(model) <= room else model[: max(1, room - 1)] + "…"
            text.append(model, style=style("status--dim"))
            text.append(sep, style=style("status--dim"))
            journal_room = width - len(model) - len(sep) - len("journal ")
            text.append("journal ", style=style("status--dim"))
            text.append(short_path(self.journal, max(1, journal_room)), style=style("status--text"))
        else:
            text.append(model or journal, style=style("status--dim"))
        return text
