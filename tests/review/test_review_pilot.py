"""The review screen driven by keys: filters, jumps between nudges and marks, search, panels, help."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from calls.replay import Replay, replay
from calls.store import SavedCall, load_call
from core.events import Label
from tests.review.journals import CALL, MARK_NOTE, ONE_DOWN, write_call
from tests.tui.helpers import async_test, until
from tui.review.app import ReviewApp
from tui.review.help import ReviewHelp
from tui.review.model import Filter, build_entries, find, next_label
from tui.review.timeline import Timeline
from tui.review.transcript import ReviewTranscript

SIZE = (80, 24)


@pytest.fixture
def call(tmp_path: Path) -> SavedCall:
    return load_call(write_call(tmp_path / "call.jsonl", started_at="2026-03-02T14:05:00+00:00"))


class PitchIsTeaching:
    def classify(self, text: str, context: object) -> Label:
        said = next(s for s in CALL if s.text == text)
        if said.label == "solution_pitch":
            return Label("teaching", "one-up", 0.8, "", "Nice.")
        return Label(said.label or "neutral", said.stance or "neutral", 0.9, said.evidence, said.note)


def cursor_text(app: ReviewApp) -> str:
    entry = app.query_one(ReviewTranscript).current
    assert entry is not None
    if entry.moment is not None:
        return f"{entry.moment.kind}: {entry.moment.note}"
    assert entry.line is not None
    return entry.line.text


def status(app: ReviewApp) -> str:
    return str(app.query_one("#status", Static).content)


async def ready(pilot: Pilot[None], app: ReviewApp) -> None:
    """Wait for the first layout: the transcript wrapped at its width and the status line drawn."""
    await until(
        pilot, lambda: status(app).startswith("showing") and app.query_one(ReviewTranscript).size.width > 0
    )


@async_test
async def test_transcript_shows_labels_evidence_and_nudges_inline(call: SavedCall) -> None:
    app = ReviewApp(call)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        t = app.query_one(ReviewTranscript)
        first = t.entry_text(t.shown[0])
        assert first.startswith("00:00 You  Hi Dana")
        assert "▼ one-down: rapport  “how was your weekend”" in first
        assert "➜ One-Up: Skip the small talk" in first
        one_up = next(e for e in t.shown if e.line and e.line.label == "perspective")
        assert "▲ one-up: perspective" in t.entry_text(
            one_up
        ) and "✓ Good: an outside insight" in t.entry_text(one_up)
        neutral = next(e for e in t.shown if e.line and e.line.label == "neutral")
        assert t.entry_text(neutral).endswith("[neutral]")
        mark = next(e for e in t.shown if e.is_mark)
        assert t.entry_text(mark) == f"00:31 ★    marked moment: {MARK_NOTE}"
        assert status(app).startswith(f"showing everything ({len(CALL) + 3}/{len(CALL) + 3})")


@async_test
async def test_filters_by_speaker_label_and_one_down(call: SavedCall) -> None:
    app = ReviewApp(call)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        t = app.query_one(ReviewTranscript)
        await pilot.press("p")
        assert t.filter == Filter(speaker="rep")
        assert {e.line.speaker for e in t.shown if e.line} == {"rep"} and any(e.is_mark for e in t.shown)
        assert "you only" in status(app)
        await pilot.press("p")
        assert {e.line.speaker for e in t.shown if e.line} == {"prospect"}
        await pilot.press("p", "o")
        assert [e.line.text for e in t.shown if e.line] == [s.text for s in ONE_DOWN]
        await pilot.press("o", "l")
        assert t.filter.label == "rapport"
        assert [e.line.label for e in t.shown if e.line] == ["rapport"]
        await pilot.press("l")
        assert t.filter.label == "credibility"
        await pilot.press("c")
        assert t.filter == Filter() and len(t.shown) == len(CALL) + 3
        # Filtering keeps the cursor at the same point of the call.
        await pilot.press("G")
        await pilot.press("o")
        assert cursor_text(app) == ONE_DOWN[-1].text


@async_test
async def test_jumps_between_nudges_and_marks_wrap_around(call: SavedCall) -> None:
    app = ReviewApp(call)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert cursor_text(app) == ONE_DOWN[0].text
        seen = []
        for _ in ONE_DOWN:
            await pilot.press("right_square_bracket")
            seen.append(cursor_text(app))
        assert seen == [s.text for s in ONE_DOWN[1:]] + [ONE_DOWN[0].text]
        await pilot.press("left_square_bracket")
        assert cursor_text(app) == ONE_DOWN[-1].text
        await pilot.press("m")
        assert cursor_text(app) == f"mark: {MARK_NOTE}"
        assert app.query_one(Timeline).cursor_at == 31.0
        await pilot.press("down", "M")
        assert cursor_text(app) == f"mark: {MARK_NOTE}"
        await pilot.press("g")
        assert cursor_text(app) == CALL[0].text
        await pilot.press("j", "j")
        assert cursor_text(app) == CALL[2].text


@async_test
async def test_search_finds_text_and_nudges_and_steps_through_matches(call: SavedCall) -> None:
    app = ReviewApp(call)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("slash")
        box = app.query_one("#search", Input)
        assert box.display and box.has_focus
        await pilot.press(*"shift", "enter")
        assert not box.display and app.query_one(ReviewTranscript).has_focus
        # "shift" is in a prospect line and in a rep line (and nowhere else).
        first, second = CALL[3].text, CALL[10].text
        assert cursor_text(app) == first
        assert status(app).endswith("search “shift”: 1/2 · at 00:15")
        await pilot.press("n")
        assert cursor_text(app) == second
        assert "search “shift”: 2/2" in status(app)
        await pilot.press("n")
        assert cursor_text(app) == first  # Wraps.
        await pilot.press("N")
        assert cursor_text(app) == second
        # Nudges are searchable too: the words of a One-Up alternative find its moment.
        await pilot.press("slash", *"recommend the next step", "enter")
        assert cursor_text(app) == ONE_DOWN[-1].text
        await pilot.press("slash", *"zebra", "enter")
        assert cursor_text(app) == ONE_DOWN[-1].text  # No match: the cursor stays.
        await pilot.press("escape")
        assert app.query_one(ReviewTranscript).search_text == ""


@async_test
async def test_reclassify_marks_changed_lines_and_filters_to_them(call: SavedCall) -> None:
    result: Replay = replay(call, PitchIsTeaching(), "my-rules.toml")
    app = ReviewApp(call, result)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        t = app.query_one(ReviewTranscript)
        await pilot.press("x")
        assert len(t.shown) == 2  # The changed line and the mark.
        changed = next(e for e in t.shown if e.line)
        assert "⟳ now one-up: teaching (was solution_pitch)" in t.entry_text(changed)
        assert "⟳ 1 relabelled, One-Down 5→4" in status(app)


@async_test
async def test_panels_toggle_help_opens_and_the_timeline_seeks(call: SavedCall) -> None:
    app = ReviewApp(call)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("x")  # Without --reclassify the key does nothing.
        assert app.query_one(ReviewTranscript).filter == Filter()
        await pilot.press("s", "t")
        assert not app.query_one("#summary").display and not app.query_one(Timeline).display
        await pilot.press("s", "t")
        await pilot.press("question_mark")
        assert isinstance(app.screen, ReviewHelp)
        await pilot.press("escape")
        assert not isinstance(app.screen, ReviewHelp)
        timeline = app.query_one(Timeline)
        # Click near the end of the call's axis: the cursor goes to the last line.
        await pilot.click(Timeline, offset=(timeline.size.width - 8, 1))
        assert cursor_text(app) == CALL[-1].text


def test_find_and_label_cycle_are_pure(call: SavedCall) -> None:
    entries = build_entries(call)
    assert find(entries, 0, 1, "mark") == next(i for i, e in enumerate(entries) if e.is_mark)
    assert find(entries, 0, 1, "match", "no such words") is None
    assert next_label(None, ["a", "b"]) == "a" and next_label("b", ["a", "b"]) is None


@async_test
async def test_a_line_the_refine_pass_relabelled_is_marked(tmp_path: Path) -> None:
    from core.events import Utterance
    from core.journal import JournalWriter

    path = tmp_path / "refined.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    j.utterance(
        Utterance(
            "rep",
            1.0,
            3.0,
            "what keeps you at night",
            2.0,
            0.1,
            Label("neutral", "neutral", 0.9, "", None),
            id=1,
        )
    )
    j.revision(
        1,
        "What keeps you up at night?",
        Label("pain_probe", "one-down", 0.8, "keeps you up at night", "Say it."),
    )
    j.close()
    app = ReviewApp(load_call(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        transcript = app.query_one(ReviewTranscript)
        entry = transcript.current
        assert entry is not None
        text = transcript.entry_text(entry)
        assert "What keeps you up at night?" in text
        assert "refined with context: label was neutral" in text and "what keeps you at night" in text


@async_test
async def test_search_text_and_file_names_are_shown_as_typed_not_read_as_markup(tmp_path: Path) -> None:
    """Square brackets are Textual markup: searching "[/]" crashed the app (MarkupError), "[neutral]"
    showed as an empty search, and a journal named "call[red]x.jsonl" was titled "callx.jsonl"."""
    path = write_call(tmp_path / "call[red]x.jsonl")
    app = ReviewApp(load_call(path))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        for query in ("[/]", "[neutral]", "[b]shift", "[$accent]x", "[ red]y", "a\\"):
            await pilot.press("slash", *query, "enter")
            await pilot.pause()
            assert f"search “{query}”" in status(app)
            notice = list(app._notifications)[-1]  # no match: said as typed, not read as markup
            assert notice.message == f"No match for “{query}” in what is shown" and not notice.markup
        assert "call[red]x.jsonl" in app.export_screenshot()
    assert app.return_code in (None, 0)
