"""Behaviour of the coaching UI, driven by a scripted event stream through the real worker and bridge."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from textual.message import Message
from textual.widgets import Static

from core.events import Advisory, Coaching, EndReason, Level, Mark, Nudge, Partial, SessionEnded, Status
from live.session import Sink
from tests.tui.helpers import async_test, settle, text_of, until, visible_rows
from tests.tui.scripted_session import (
    JOURNAL,
    PAIN_NUDGE,
    ScriptedSession,
    Step,
    coaching,
    scripted_call,
    started,
    utterance,
)
from tui.live.app import CoachApp, UiConfig
from tui.live.help import HelpScreen
from tui.live.widgets.balance import TalkBalance
from tui.live.widgets.nudge import EMPTY_HINT, NudgePanel
from tui.live.widgets.status import LevelMeter, StatusLine
from tui.live.widgets.transcript import Transcript
from tui.messages import LevelChanged


def banner_text(app: CoachApp) -> str:
    banner = app.query_one("#banner", Static)
    return str(banner.content) if banner.display else ""


@async_test
async def test_transcript_shows_speakers_times_and_label_tags() -> None:
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, session)
        transcript = app.query_one(Transcript)
        lines = transcript.entries
        assert [(line.speaker, line.start) for line in lines][:3] == [
            ("rep", 0.6),
            ("prospect", 5.5),
            ("rep", 9.8),
        ]
        first, second, third = (transcript.entry_text(line) for line in lines[:3])
        assert first.startswith("00:00 You ") and "[one-down: rapport]" in first
        assert second.startswith("00:05 Them ") and "[" not in second  # The prospect is not labelled.
        assert "[one-down: pain_probe]" in third
        assert "[one-up: perspective]" in transcript.entry_text(lines[-1])
        assert "[neutral]" in transcript.entry_text(lines[-2])
        # What is on screen: the newest rows, the draft last, wrapped under the text column.
        rows = visible_rows(transcript)
        assert rows[-1] == "00:42 You  And that usually shows up as …"
        assert rows[-2].startswith(" " * 11) and rows[-2].endswith("[one-up: perspective]")
        # Events reach the UI from the session's own thread, never the UI's.
        assert session.sink_threads and threading.get_ident() not in session.sink_threads


@async_test
async def test_lines_are_kept_in_call_time_order() -> None:
    session = ScriptedSession([started()])
    app = CoachApp(session)
    async with app.run_test() as pilot:
        session.push(
            utterance("rep", 10.0, 12.0, "second"),
            utterance("prospect", 2.0, 5.0, "first"),
            utterance("prospect", 20.0, 21.0, "third"),
        )
        await settle(pilot, session)
        assert [line.text for line in app.query_one(Transcript).entries] == ["first", "second", "third"]


@async_test
async def test_partial_text_grows_then_is_replaced_by_the_final_line() -> None:
    session = ScriptedSession([started()])
    app = CoachApp(session)
    async with app.run_test() as pilot:
        transcript = app.query_one(Transcript)
        session.push(Partial("rep", 10.0, "so what would"))
        await settle(pilot, session)
        assert transcript.partial_text("rep") == "so what would"
        session.push(Partial("rep", 10.0, "so what would you say"))
        await settle(pilot, session)
        assert transcript.partial_text("rep") == "so what would you say"
        assert visible_rows(transcript)[-1] == "00:10 You  so what would you say …"

        # The next utterance's draft may overtake this one's final line: it must survive it.
        session.push(
            Partial("rep", 14.0, "and"), utterance("rep", 10.0, 13.0, "So what would you say is hardest?")
        )
        await settle(pilot, session)
        assert transcript.entries[-1].text == "So what would you say is hardest?"
        assert transcript.partial_text("rep") == "and"
        session.push(utterance("rep", 14.0, 15.0, "And why?"), Partial("rep", 14.0, "and wh"))
        await settle(pilot, session)
        assert transcript.partial_text("rep") is None  # Replaced, and the late draft is ignored.
        assert transcript.entries[-1].text == "And why?"
        assert visible_rows(transcript)[-1] == "00:14 You  And why?"


@async_test
async def test_nudge_is_shown_with_its_reason_dismissed_with_n_and_replaced_by_a_newer_one() -> None:
    session = ScriptedSession([started()])
    app = CoachApp(session)
    async with app.run_test() as pilot:
        panel = app.query_one(NudgePanel)
        assert EMPTY_HINT[:20] in text_of(panel)
        session.push(Nudge("pain_probe", "one-down", PAIN_NUDGE, "what are your biggest challenges", 65.0))
        await settle(pilot, session)
        assert panel.border_title == "NUDGE · one-down: pain_probe · 01:05"
        shown = text_of(panel)
        assert "Don't ask for their pain" in shown and "why: “what are your biggest challenges”" in shown
        assert panel.has_class("-one-down")

        await pilot.press("n")
        assert panel.nudge is None and EMPTY_HINT[:20] in text_of(panel)

        session.push(
            Nudge("credibility", "one-down", "Drop the 'why us'.", "founded eleven years ago", 70.0),
            Nudge("teaching", "one-up", "Good: you're leading.", "the first decision", 80.0),
        )
        await settle(pilot, session)
        assert panel.nudge is not None and panel.nudge.label == "teaching"
        assert panel.border_title.startswith("NICE · one-up: teaching") and panel.has_class("-one-up")


@async_test
async def test_balance_bar_share_band_monologue_questions_and_tally() -> None:
    session = ScriptedSession([started()])
    app = CoachApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        balance = app.query_one(TalkBalance)
        assert "waiting for speech" in text_of(balance)
        session.push(coaching(65.0, 35.0, questions=3, one_down=2, one_up=1, current_monologue_s=12.0))
        await settle(pilot, session)
        bar, counters = text_of(balance).splitlines()[:2]
        assert "65% too much · target 35%–55%" in bar and bar.count("┃") == 2
        assert " ".join(counters.split()) == "Monologue 00:12 · Questions 3 · One-Down 2 · One-Up 1"

        session.push(coaching(45.0, 55.0, current_monologue_s=80.0, monologue_alert=True))
        await settle(pilot, session)
        bar, counters = text_of(balance).splitlines()[:2]
        assert "45% on target" in bar
        assert "01:20 ! long" in counters
        filled_before_edge = bar.split("You ", 1)[1].split("┃")[0]
        assert set(filled_before_edge) == {"█"}  # Below the band's low edge, all talk is filled.


@async_test
async def test_rep_only_mode_shows_no_talk_balance() -> None:
    session = ScriptedSession(scripted_call(rep_only=True))
    app = CoachApp(session, UiConfig(rep_only=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, session)
        shown = text_of(app.query_one(TalkBalance))
        assert "rep-only: no talk balance" in shown and "█" not in shown
        assert "Questions 2" in shown
        meters = {meter.speaker: text_of(meter) for meter in app.query(LevelMeter)}
        assert meters["prospect"].strip() == "Them off" and "█" in meters["rep"]
        await pilot.resize_terminal(40, 30)  # a narrow terminal: the text shortens, the counts stay
        await pilot.pause()
        talk, counters = text_of(app.query_one(TalkBalance)).splitlines()
        assert talk.rstrip() == "Talk  rep-only: no talk balance" and "Down 2" in counters


@async_test
async def test_status_line_shows_model_health_journal_and_levels() -> None:
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, session)
        health, source = text_of(app.query_one(StatusLine)).splitlines()[:2]
        assert health.split(" │ ") == ["● LIVE 00:43", "latency 1.1s", "queue 0.4s", "overflows 0"]
        assert source.strip() == f"tiny.en (cpu int8) · demo: embedded call │ journal {JOURNAL}"
        session.push(Status(queue_lag_s=3.5, last_latency_s=None, overflows=2, call_time=50.0))
        await settle(pilot, session)
        health = text_of(app.query_one(StatusLine)).splitlines()[0]
        assert health.split(" │ ") == ["● LIVE 00:50", "latency --", "queue 3.5s", "overflows 2"]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        health, source = text_of(app.query_one(StatusLine)).splitlines()[:2]
        assert "queue 3.5s" in health and source.rstrip().endswith(JOURNAL)  # The file name always fits.


@async_test
async def test_space_pauses_and_resumes_m_marks_and_the_mark_is_echoed() -> None:
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test() as pilot:
        await settle(pilot, session)
        status = app.query_one(StatusLine)
        await pilot.press("space")
        assert session.calls == [("set_paused", True)]
        assert "‖ PAUSED" in text_of(status)
        await pilot.press("space")
        assert session.calls[-1] == ("set_paused", False) and "● LIVE" in text_of(status)

        await pilot.press("m")
        assert session.calls[-1] == ("mark", "")
        await settle(pilot, session)
        transcript = app.query_one(Transcript)
        mark = transcript.entries[-1]
        assert mark.speaker is None and transcript.entry_text(mark) == "00:43 ★    marked moment"


@async_test
async def test_q_stops_the_session_waits_for_the_journal_and_returns_its_path() -> None:
    session = ScriptedSession(scripted_call(), stop_ends=False)
    app = CoachApp(session)
    async with app.run_test() as pilot:
        await settle(pilot, session)
        await pilot.press("q")
        assert session.calls == [("stop", None)]
        assert app.is_running and "saving the journal" in banner_text(app)
        assert text_of(app.query_one(StatusLine)).startswith("… SAVING")
        session.push(SessionEnded("out/final.jsonl", "out/final.md", EndReason.USER_QUIT))
        await until(pilot, lambda: not app.is_running)
    assert app.return_value == "out/final.jsonl"


@async_test
async def test_ctrl_c_and_sigterm_save_and_quit_as_q_does() -> None:
    """What a terminal user tries first (Ctrl-C), and what kill or a service manager sends (SIGTERM):
    the session is stopped and the app ends once the journal is saved, never before."""
    import signal

    # Under nohup (CI run in the background) SIGHUP arrives ignored, and oneup keeps it so.
    heard = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        await _quit_each_way()
    finally:
        signal.signal(signal.SIGHUP, heard)


async def _quit_each_way() -> None:
    import os
    import signal

    for how in ("ctrl+c", "ctrl+q", "sigterm", "sighup"):  # SIGHUP: the terminal was closed
        session = ScriptedSession(scripted_call(), stop_ends=False)
        app = CoachApp(session)
        left: list[bool] = []
        app._leave = lambda left=left, app=app: (left.append(True), app.exit(app.journal))  # type: ignore[method-assign]
        async with app.run_test() as pilot:
            await settle(pilot, session)
            # the journal tells a kill or a closed terminal from the user's own quit
            stopped = ("stop", how.upper() if how.startswith("sig") else None)
            if how.startswith("sig"):
                os.kill(os.getpid(), getattr(signal, how.upper()))
                await until(pilot, lambda s=session, c=stopped: s.calls == [c])  # type: ignore[misc]
            else:
                await pilot.press(how)
            assert session.calls == [stopped], how
            assert app.is_running and "saving the journal" in banner_text(app)
            session.push(SessionEnded("out/final.jsonl", "out/final.md", EndReason.USER_QUIT))
            await until(pilot, lambda a=app: not a.is_running)  # type: ignore[misc]
        assert app.return_value == "out/final.jsonl", how
        # A closed terminal: the app leaves at once once the call is saved (Textual's own exit would
        # wait for ever on the dead terminal), never before.
        assert left == ([True] if how == "sighup" else []), how


@async_test
async def test_second_q_quits_without_waiting() -> None:
    session = ScriptedSession([started()], stop_ends=False)
    app = CoachApp(session)
    async with app.run_test() as pilot:
        await settle(pilot, session)
        await pilot.press("q")
        assert app.is_running
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
        assert session.calls == [("stop", None), ("stop", None)]  # the second: drop what waits
        session.push(
            SessionEnded(JOURNAL, JOURNAL + ".md", EndReason.USER_QUIT)
        )  # Let the worker thread finish.
    assert app.return_value == JOURNAL


@async_test
async def test_when_the_call_ends_by_itself_the_ui_stays_open_until_q() -> None:
    session = ScriptedSession(
        [*scripted_call(), SessionEnded(JOURNAL, JOURNAL + ".md", EndReason.END_OF_AUDIO)]
    )
    app = CoachApp(session)
    async with app.run_test() as pilot:
        await settle(pilot, session)
        await pilot.pause(0.05)
        assert app.is_running
        assert banner_text(app) == f"call ended (end of audio) — saved to {JOURNAL} · press q to quit"
        assert text_of(app.query_one(StatusLine)).startswith("■ ENDED")
        assert app.query_one(Transcript).partial_text("rep") is None  # No stale draft after the end.
        await pilot.press("space")  # Nothing left to pause.
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
    assert app.return_value == JOURNAL
    assert session.calls == []  # The session had already stopped: no pause, no stop.


@async_test
async def test_question_mark_opens_help_and_escape_closes_it_while_call_keys_still_work() -> None:
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)
        # The call's keys keep working while the help is open.
        await pilot.press("question_mark", "space", "m")
        assert isinstance(app.screen, HelpScreen)
        assert session.calls == [("set_paused", True), ("mark", "")]
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
    assert app.return_value == JOURNAL


@async_test
async def test_an_advisory_is_notified_once() -> None:
    session = ScriptedSession([started()])
    app = CoachApp(session)
    async with app.run_test() as pilot:
        shown: list[str] = []
        app.notify = lambda message, **_: shown.append(message)  # type: ignore[assignment,method-assign]
        session.push(Advisory("Echo detected: use headphones."), Advisory("Echo detected: use headphones."))
        await settle(pilot, session)
    assert shown == ["Echo detected: use headphones."]


def flood(stop: threading.Event) -> Iterator[Step]:
    """Far more level, status and partial updates than a real call makes (real: tens per second)."""
    yield started()
    i = 0
    while not stop.is_set():
        i += 1
        for _ in range(10):
            at = i / 1000
            yield Level("rep", -20.0 - i % 30, at)
            yield Level("prospect", -30.0 - i % 20, at)
            yield Status(queue_lag_s=0.1, last_latency_s=0.7, overflows=0, call_time=at)
            yield Partial("rep", 0.0, f"word {i}")
            yield Coaching(1.0, 1.0, 0.5, 0.45, 0.1, 1.0, 1.0, False, 0, None)
        yield 0.001


@async_test
async def test_a_key_press_is_handled_promptly_while_events_stream() -> None:
    stop = threading.Event()
    session = ScriptedSession(flood(stop))
    handled: list[Message] = []
    app = CoachApp(session)
    async with app.run_test(message_hook=handled.append) as pilot:
        await until(pilot, lambda: session.count(Level) > 1000)
        before = time.perf_counter()
        await pilot.press("space")
        await until(pilot, lambda: ("set_paused", True) in session.calls, timeout=2.0)
        latency = session.call_times[0] - before
        stop.set()
    assert latency < 0.25, f"key press took {latency * 1000:.0f} ms while streaming"
    # Stale high-rate updates were coalesced away instead of all being drawn.
    assert sum(isinstance(m, LevelChanged) for m in handled) < session.count(Level)


@async_test
async def test_layout_survives_resizing() -> None:
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, session)
        balance = app.query_one(TalkBalance)
        narrow = text_of(balance).splitlines()[0]
        for size in ((120, 40), (60, 20), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.query_one(Transcript).size.height > 0
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        wide = text_of(balance).splitlines()[0]
        assert len(wide.rstrip()) > len(narrow.rstrip())
        assert wide.count("┃") == 2 and narrow.count("┃") == 2
        session.push(Mark(at=50.0, note="pricing"))
        await settle(pilot, session)
        transcript = app.query_one(Transcript)
        assert transcript.entry_text(transcript.entries[-1]).endswith("marked moment: pricing")
        assert all(len(row) <= transcript.scrollable_content_region.width for row in visible_rows(transcript))


@async_test
async def test_a_narrow_terminal_beside_the_video_call_keeps_the_bar_counts_and_warnings() -> None:
    """24-79 columns: each status row stays one row, the band text and the long labels give way, not
    the bar or the One-Down count, and warnings stay while healthy figures, then the clock, drop out."""
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test(size=(40, 30)) as pilot:
        await settle(pilot, session)
        balance, status = app.query_one(TalkBalance), app.query_one(StatusLine)
        bar, counters = text_of(balance).splitlines()
        assert bar.count("┃") == 2 and "65% too much" in bar and "target" not in bar
        assert " ".join(counters.split()) == "Mono 01:32 ! · Q 2 · Down 2 · Up 1"
        health = text_of(status).splitlines()[0].rstrip()
        assert health == "● LIVE 00:43 │ latency 1.1s"  # the healthy lag and overflows gave way
        session.push(Status(queue_lag_s=3.5, last_latency_s=1.0, overflows=2, call_time=50.0))
        await settle(pilot, session)
        assert text_of(status).splitlines()[0].rstrip() == "● LIVE 00:50 lag 3.5s ovf 2"  # warnings stay
        session.push(Status(queue_lag_s=12.5, last_latency_s=1.0, overflows=15, call_time=3700.0))
        await settle(pilot, session)
        health, journal = text_of(status).splitlines()
        assert health.rstrip() == "● LIVE lag 12.5s ovf 15" and journal.rstrip().endswith("demo-call.jsonl")
        nudge = text_of(app.query_one(NudgePanel)).splitlines()
        assert nudge[0].startswith("› ") and all(row.startswith("  ") for row in nudge[1:])  # hanging indent
        for width in (30, 36, 44, 50, 56, 60, 72, 79):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            for widget in (balance, status):
                assert len(text_of(widget).splitlines()) == 2, (width, text_of(widget))  # no row wrapped
            assert "Down 2" in text_of(balance)
        bar = text_of(balance).splitlines()[0]
        assert "target 35%–55%" in bar and bar.count("┃") == 2  # 79 columns: room for the band text
        await pilot.resize_terminal(24, 30)  # the meters leave the status line no room; the counts stay
        await pilot.pause()
        bar, counters = text_of(balance).splitlines()
        assert "┃" not in bar and "65% high" in bar and " ".join(counters.split()) == "01:32 ! Q2 Down 2 Up 1"


@async_test
async def test_a_journal_path_in_wide_characters_keeps_its_file_name_in_a_narrow_status_line() -> None:
    """A CJK path takes two cells a character: measured in characters, the path was cut too little and
    the row's end, the file name, fell off."""
    journal = "/home/me/通話記録/営業電話-デモ.jsonl"
    session = ScriptedSession([started(journal=journal)], journal_path=journal)
    app = CoachApp(session)
    async with app.run_test(size=(44, 30)) as pilot:
        await settle(pilot, session)
        row = text_of(app.query_one(StatusLine)).splitlines()[1].rstrip()
        assert row.endswith("営業電話-デモ.jsonl") and "…" in row, row


@async_test
async def test_a_long_model_name_leaves_the_journal_its_file_name() -> None:
    """A CTranslate2 directory's name can be long; at 60-80 columns it took the row and left the
    journal path a lone "…"."""
    model = "/models/distil-large-v3-from-huggingface-ct2-int8-float16"
    journal = "/home/me/calls/2026-12-07-acme.jsonl"
    session = ScriptedSession([started(journal=journal, model=model)], journal_path=journal)
    app = CoachApp(session)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot, session)
        for width in (73, 80, 90):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            row = text_of(app.query_one(StatusLine)).splitlines()[1].rstrip()
            assert row.endswith("2026-12-07-acme.jsonl"), (width, row)


@async_test
async def test_closing_the_app_any_other_way_still_stops_the_session() -> None:
    session = ScriptedSession([started()])
    app = CoachApp(session)
    async with app.run_test() as pilot:
        await settle(pilot, session)
    assert session.calls == [("stop", None)]  # So the worker thread returns and the journal is closed.


class FailingSession(ScriptedSession):
    """A session whose pipeline dies without sending SessionEnded (which the protocol forbids)."""

    def run(self, sink: Sink) -> None:
        sink(started())
        raise RuntimeError("audio device vanished")


@async_test
async def test_a_crashed_session_is_shown_not_hidden() -> None:
    app = CoachApp(FailingSession())
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.ended)
        assert banner_text(app) == (
            f"session error: audio device vanished — journal: {JOURNAL} · press q to quit"
        )
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
    assert app.return_value == JOURNAL


@async_test
async def test_the_newest_line_stays_in_view_after_the_window_shrinks() -> None:
    """A rep narrows the terminal to sit beside the video call: the transcript keeps following the
    call (it froze on old lines when the resize was taken for the user scrolling up), unless the
    user has scrolled up to read back."""
    session = ScriptedSession(scripted_call())
    app = CoachApp(session)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot, session)
        transcript = app.query_one(Transcript)
        at = 100.0
        for size in (
            (60, 16),
            (80, 24),
            (50, 14),
            (140, 42),
            (60, 16),
            (60, 22),
            (60, 18),
        ):  # height alone too
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for k in range(3):
                session.push(
                    utterance("prospect", at, at + 2.0, f"line {at:.0f} said after the resize, number {k}")
                )
                at += 3.0
            await settle(pilot, session)
            assert transcript.scroll_y == transcript.max_scroll_y, size
            if transcript.scrollable_content_region.height >= 6:  # the newest line's words in view
                assert f"line {at - 3.0:.0f}" in " ".join(visible_rows(transcript)), size
        transcript.scroll_home(animate=False)  # reading back: new lines do not pull the view down
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        session.push(utterance("prospect", at, at + 2.0, "a line while the rep reads back"))
        await settle(pilot, session)
        assert transcript.max_scroll_y > 0 and transcript.scroll_y == 0
