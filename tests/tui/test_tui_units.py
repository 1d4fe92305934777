"""The UI's pure parts: event routing, message coalescing rules and the text formatters."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rich.cells import cell_len
from textual.message import Message

from core.events import (
    Advisory,
    EndReason,
    Event,
    Guess,
    Label,
    Level,
    Mark,
    Nudge,
    Partial,
    SessionEnded,
    Status,
)
from core.fmt import clock, share_verdict
from tests.tui.scripted_session import coaching, label, started, utterance
from tui.bridge import EventBridge, Routes
from tui.format import short_path
from tui.live.widgets.balance import bar_cells
from tui.live.widgets.status import meter_glyphs
from tui.live.widgets.transcript import label_tag
from tui.messages import (
    AdvisoryReceived,
    CoachingChanged,
    LevelChanged,
    MarkReceived,
    NudgeReceived,
    PartialChanged,
    SessionEndedReceived,
    SessionStartedReceived,
    StatusChanged,
    UtteranceReceived,
)


@dataclass
class Inbox:
    """Stands in for a widget: records what is posted to it."""

    name: str
    got: list[Message] = field(default_factory=list)

    def post_message(self, message: Message) -> bool:
        self.got.append(message)
        return True


def route(event: Event) -> dict[str, list[type[Message]]]:
    boxes = {
        name: Inbox(name) for name in ("app", "transcript", "nudge", "balance", "status", "rep", "prospect")
    }
    routes = Routes(
        app=boxes["app"],  # type: ignore[arg-type]
        transcript=boxes["transcript"],  # type: ignore[arg-type]
        nudge=boxes["nudge"],  # type: ignore[arg-type]
        balance=boxes["balance"],  # type: ignore[arg-type]
        status=boxes["status"],  # type: ignore[arg-type]
        meters={"rep": boxes["rep"], "prospect": boxes["prospect"]},  # type: ignore[dict-item]
    )
    EventBridge(routes)(event)
    return {name: [type(m) for m in box.got] for name, box in boxes.items() if box.got}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (utterance("rep", 0.0, 1.0, "hi"), {"transcript": [UtteranceReceived]}),
        (Partial("rep", 0.0, "h"), {"transcript": [PartialChanged]}),
        (Mark(3.0), {"transcript": [MarkReceived]}),
        (Nudge("rapport", "one-down", "x", "y", 0.0), {"nudge": [NudgeReceived]}),
        (coaching(1.0, 1.0), {"balance": [CoachingChanged]}),
        (Level("prospect", -20.0, 0.0), {"prospect": [LevelChanged]}),
        (Level("rep", -20.0, 0.0), {"rep": [LevelChanged]}),
        (Status(0.0, None, 0, 0.0), {"status": [StatusChanged]}),
        (Advisory("use headphones"), {"app": [AdvisoryReceived]}),
        (
            started(),
            {
                "app": [SessionStartedReceived],
                "balance": [SessionStartedReceived],
                "status": [SessionStartedReceived],
                "rep": [SessionStartedReceived],
                "prospect": [SessionStartedReceived],
            },
        ),
        (
            SessionEnded("j", "t", EndReason.END_OF_AUDIO),
            {"app": [SessionEndedReceived], "transcript": [SessionEndedReceived]},
        ),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, dict) else "",
)
def test_each_event_goes_to_the_widget_that_owns_its_state(
    event: Event, expected: dict[str, list[type[Message]]]
) -> None:
    assert route(event) == expected


def test_only_high_rate_messages_coalesce_and_levels_only_per_channel() -> None:
    rep, rep2, them = (LevelChanged(Level(s, -20.0, 0.0)) for s in ("rep", "rep", "prospect"))
    assert rep.can_replace(rep2) and not rep.can_replace(them)
    assert PartialChanged(Partial("rep", 0, "a")).can_replace(PartialChanged(Partial("rep", 0, "ab")))
    assert not PartialChanged(Partial("rep", 0, "a")).can_replace(PartialChanged(Partial("prospect", 0, "a")))
    status = StatusChanged(Status(0.0, None, 0, 0.0))
    assert status.can_replace(StatusChanged(Status(1.0, None, 0, 1.0))) and not status.can_replace(rep)
    assert CoachingChanged(coaching(1, 1)).can_replace(CoachingChanged(coaching(2, 1)))
    line = UtteranceReceived(utterance("rep", 0, 1, "a"))
    assert not line.can_replace(UtteranceReceived(utterance("rep", 1, 2, "b")))  # Every line matters.
    assert not MarkReceived(Mark(1.0)).can_replace(MarkReceived(Mark(2.0)))


def test_formatters() -> None:
    assert [clock(s) for s in (0, 59.9, 61, 3725, -3)] == ["00:00", "00:59", "01:01", "1:02:05", "00:00"]
    assert short_path("out/a.jsonl", 40) == "out/a.jsonl"
    assert short_path("/home/me/.local/share/oneup/2024-05-01.jsonl", 20) == "…up/2024-05-01.jsonl"
    wide = "/home/me/通話記録/営業電話.jsonl"  # two cells a character for the CJK part
    assert short_path(wide, 16) == "…/営業電話.jsonl" and cell_len(short_path(wide, 16)) == 16
    assert cell_len(short_path(wide, 15)) <= 15 and short_path(wide, 15).endswith("電話.jsonl")
    hearts = "/home/me/" + "❤\ufe0f" * 8 + ".jsonl"  # a heart and its emoji selector: 2 cells, 2 characters
    assert all(cell_len(short_path(hearts, width)) <= width for width in range(0, 31))
    family = "/x/👨\u200d👩\u200d👧-call.jsonl"
    assert all(not short_path(family, width)[1:2].startswith(("\u200d", "\ufe0f")) for width in range(2, 20))


def test_label_tags_name_the_stance_in_words() -> None:
    assert label_tag(label("pain_probe", "one-down", "e")) == "[one-down: pain_probe]"
    assert label_tag(label("teaching", "one-up", "e")) == "[one-up: teaching]"
    assert label_tag(label("neutral", "neutral", "")) == "[neutral]"
    unsure = Label("neutral", "neutral", 0.4, "", None, unsure=True, guess=Guess("pain_probe", 0.45))
    assert label_tag(unsure) == "[neutral · unsure]"  # the guess is never shown as a verdict


def test_balance_bar_draws_the_band_edges_and_the_share() -> None:
    glyphs = "".join(glyph for glyph, _ in bar_cells(20, 0.5, 0.45, 0.10))
    assert glyphs == "███████┃██░┃░░░░░░░░"  # Edges at 35% and 55% of 20 cells; filled to 50%.
    assert "█" not in "".join(g for g, _ in bar_cells(20, None, 0.45, 0.1))
    assert bar_cells(0, 0.5, 0.45, 0.1) == []
    assert [share_verdict(s, 0.45, 0.1) for s in (0.2, 0.35, 0.5, 0.55, 0.7)] == [
        "low",
        "in band",
        "in band",
        "in band",
        "high",
    ]


def test_level_meter_glyphs() -> None:
    assert meter_glyphs(-90.0) == "·····"
    assert meter_glyphs(float("-inf")) == "·····"
    assert meter_glyphs(float("nan")) == "·····"
    assert meter_glyphs(0.0) == "█████"
    assert meter_glyphs(6.0) == "█████"
    assert meter_glyphs(-30.0) == "██▌··"
