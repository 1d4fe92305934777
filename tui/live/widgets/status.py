"""The status line: session state, pipeline health, recording path, and per-channel input meters."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.events import Speaker, Status
from core.fmt import clock
from tui.format import SPEAKER_LABEL, short_end, short_path, two_rows
from tui.messages import LevelChanged, SessionStartedReceived, StatusChanged

FLOOR_DBFS = -60.0
"""Levels at or below this show an empty meter (room noise of a quiet mic sits around -60..-50)."""
HOT_DBFS = -12.0
CLIP_DBFS = -3.0
METER_CELLS = 5
PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉"
NARROW = 60
"""When the status line (the terminal's width less the level meters' 13 columns) is narrower than
this, its second row gives up the "journal" word and the model's full name for the journal path."""
MIN_PATH = 16
"""Fewer cells than this left for the journal path beside the model's full name: the name is shortened
instead (a long model directory's name had left the path a lone "…")."""
MIN_SOURCE = 4
"""Fewer columns than this left for the source after the model's name: the source is left out."""
LAG_WARN_S = 2.0
"""Queue lag past this means transcripts (and nudges) are arriving late."""

Phase = Literal["starting", "live", "paused", "saving", "ended"]


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

    def _health(self) -> tuple[_Piece, str, list[_Piece]]:
        """The state (without its clock), the call clock ("" before the first status) and the figures."""
        s = self.status
        state = {
            "starting": "○ STARTING",
            "live": "● LIVE",
            "paused": "‖ PAUSED",
            "saving": "… SAVING",
            "ended": "■ ENDED",
        }[self.phase]
        role = f"status--{'live' if self.phase == 'starting' else self.phase}"
        figures: list[_Piece] = []
        if s is not None:
            latency = "--" if s.last_latency_s is None else f"{s.last_latency_s:.1f}s"
            figures.append(_Piece(f"latency {latency}", f"lat {latency}", "status--text"))
            lag_role = "status--warn" if s.queue_lag_s > LAG_WARN_S else "status--text"
            figures.append(_Piece(f"queue {s.queue_lag_s:.1f}s", f"lag {s.queue_lag_s:.1f}s", lag_role))
            ovf_role = "status--warn" if s.overflows else "status--text"
            figures.append(_Piece(f"overflows {s.overflows}", f"ovf {s.overflows}", ovf_role))
        return _Piece(state, state, role), "" if s is None else clock(s.call_time), figures

    def _health_forms(self) -> Iterator[tuple[list[tuple[str, str]], str]]:
        """Row 1's forms, widest first, as (text, role) pieces and their separator: long labels, then
        short ones; then the healthy figures give way (the last first), then the separators, then the
        clock. Warnings (queue lag, overflows) stay to the end."""
        state, clock_text, figures = self._health()
        head = (f"{state.long} {clock_text}".rstrip(), state.role)
        kept = list(figures)
        while True:
            yield [head, *((p.long, p.role) for p in kept)], " │ "
            yield [head, *((p.short, p.role) for p in kept)], " │ "
            healthy = [p for p in kept if p.role == "status--text"]
            if not healthy:
                break
            kept.remove(healthy[-1])
        yield [head, *((p.short, p.role) for p in kept)], " "
        yield [(state.long, state.role), *((p.short, p.role) for p in kept)], " "

    def _health_row(self, width: int) -> Text:
        style = self.get_component_rich_style
        forms = list(self._health_forms())
        pieces, sep = next(
            ((pieces, sep) for pieces, sep in forms if cell_len(sep.join(t for t, _ in pieces)) <= width),
            forms[-1],
        )
        row = Text()
        for i, (text, role) in enumerate(pieces):
            if i:
                row.append(sep, style=style("status--dim"))
            row.append(text, style=style(role))
        return row

    def render(self) -> Text:
        return two_rows(self._health_row(self.size.width), self._source_row(self.size.width), self.size.width)

    def _source_row(self, width: int) -> Text:
        """What is listening, and where the call is being saved. The file name matters most, so the
        source gives way first, then the path's start."""
        style = self.get_component_rich_style
        sep = " │ "
        text = Text()
        model = " · ".join(part for part in (self.model, self.source) if part)
        journal = f"journal {self.journal}" if self.journal else ""
        full = cell_len(self.model) + cell_len(sep) + cell_len("journal ")
        if (
            model
            and journal
            and full + cell_len(self.journal) > width
            and (width < NARROW or full + MIN_PATH > width)
        ):
            # A sidebar terminal, or a long model name: the name shortened, no "journal" word, the path's end.
            name = short_end(self.model, max(4, width - cell_len(sep) - cell_len(self.journal)))
            text.append(name, style=style("status--dim"))
            text.append(sep, style=style("status--dim"))
            text.append(
                short_path(self.journal, max(1, width - cell_len(name) - cell_len(sep))),
                style=style("status--text"),
            )
        elif model and journal:
            room = max(cell_len(self.model), width - cell_len(sep) - cell_len(journal))
            if cell_len(model) > room:  # the source gives way; the model's own name stays whole
                model = self.model if room - cell_len(self.model) < MIN_SOURCE else short_end(model, room)
            text.append(model, style=style("status--dim"))
            text.append(sep, style=style("status--dim"))
            journal_room = width - cell_len(model) - cell_len(sep) - cell_len("journal ")
            text.append("journal ", style=style("status--dim"))
            text.append(short_path(self.journal, max(1, journal_room)), style=style("status--text"))
        else:
            text.append(model or journal, style=style("status--dim"))
        return text
