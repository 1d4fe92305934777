"""The scorecard (md, json, html) asserted against the journal; trends; the HTML rendered by Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path

import pytest

from calls.report import render_call, render_trends
from calls.store import load_call, load_folder
from core.fmt import clock
from tests.review.journals import CALL, MARK_NOTE, ONE_DOWN, ONE_UP, write_call

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return write_call(tmp_path / "call.jsonl", started_at="2026-03-02T14:05:00+01:00")


def test_markdown_scorecard_lists_every_one_down_moment_with_its_alternative(journal: Path) -> None:
    md = render_call(load_call(journal), "md")
    for s in ONE_DOWN:
        quote = f"**{clock(s.start)}** “{s.text}”"
        assert quote in md.replace("\\_", "_").replace("\\*", "*")
        # The alternative is the line right under its moment.
        after = md.split(quote.replace("_", "\\_"), 1)[1].splitlines()[1]
        assert after.strip() == f"➜ One-Up: {s.note}".replace("_", "\\_")
    for s in ONE_UP:
        assert f"“{s.text}”" in md and f"✓ {s.note}" in md
    assert f"| One-Down moments | {len(ONE_DOWN)} |" in md and f"| One-Up moments | {len(ONE_UP)} |" in md
    assert "### Small talk for rapport · 1" in md and "### Asking for their pain · 1" in md
    assert MARK_NOTE in md
    assert "Call scorecard · 2026-03-02 14:05" in md


def test_json_scorecard_matches_the_journal(journal: Path) -> None:
    doc = json.loads(render_call(load_call(journal), "json"))
    recorded = json.loads(journal.read_text().splitlines()[-1])
    assert doc["summary"]["one_down"] == recorded["one_down"] == len(ONE_DOWN)
    assert doc["summary"]["labels"] == recorded["labels"]
    assert doc["summary"]["rep_share"] == recorded["rep_share"]
    got = {(m["text"], m["nudge"]) for c in doc["one_down"] for m in c["moments"]}
    assert got == {(s.text, s.note) for s in ONE_DOWN}
    assert {c["label"]: c["count"] for c in doc["one_down"]} == {s.label: 1 for s in ONE_DOWN}
    assert [m["reinforcement"] for c in doc["one_up"] for m in c["moments"]] == [s.note for s in ONE_UP]
    assert doc["marks"] == [{"at": 31.0, "clock": "00:31", "note": MARK_NOTE}]
    assert doc["summary"]["share_verdict"] in ("high", "low", "in band")


def _html_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_html_is_one_self_contained_file_with_every_moment(journal: Path) -> None:
    html = render_call(load_call(journal), "html")
    assert "<svg" in html and "@media print" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html), "no external assets"
    assert "<script" not in html and "@import" not in html and "url(" not in html
    text = " ".join(_html_text(html).split())
    for s in ONE_DOWN:
        assert s.text in text and s.note in text
    for s in ONE_UP:
        assert s.text in text and s.note in text
    # One marker per One-Down (▼) and One-Up (▲) moment on the timeline.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<polygon") == len(ONE_DOWN) + len(ONE_UP)
    assert svg.count('fill="#d9822b"/>') == len(ONE_DOWN)
    assert svg.count("<rect") >= len(CALL)


def test_html_escapes_what_was_said(tmp_path: Path) -> None:
    path = write_call(tmp_path / "x.jsonl")
    text = path.read_text().replace("Hi Dana", "<script>alert(1)</script> Hi Dana")
    path.write_text(text)
    html = render_call(load_call(path), "html")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_cut_journal_with_garbage_reports_with_recomputed_figures(tmp_path: Path) -> None:
    path = write_call(tmp_path / "cut.jsonl", summary=False)
    with path.open("a") as fh:
        fh.write('garbage\n{"type": "utter')
    call = load_call(path)
    assert len(call.problems) == 2
    for fmt in ("md", "html", "json"):
        out = render_call(call, fmt)
        assert "recomputed" in out
        for s in ONE_DOWN:
            assert s.note in unescape(out).replace("\\_", "_")


def test_trends_across_a_folder_go_oldest_first(tmp_path: Path) -> None:
    write_call(tmp_path / "b.jsonl", started_at="2026-02-01T09:00:00+00:00")
    write_call(tmp_path / "a.jsonl", started_at="2026-01-01T09:00:00+00:00", call=CALL[:6])
    write_call(tmp_path / "c.jsonl", started_at="2026-03-01T09:00:00+00:00", summary=False)
    calls, _ = load_folder(tmp_path)
    doc = json.loads(render_trends(tmp_path, calls, "json"))
    assert [c["id"] for c in doc["calls"]] == ["a", "b", "c"]
    assert doc["calls"][0]["one_down_rate"] == pytest.approx(1.0)  # Three rep lines, all One-Down.
    rep = [s for s in CALL if s.speaker == "rep"]
    assert doc["calls"][1]["one_down_rate"] == pytest.approx(len(ONE_DOWN) / len(rep))
    assert [c["complete"] for c in doc["calls"]] == [True, True, False]
    md = render_trends(tmp_path, calls, "md")
    assert md.index("2026-01-01") < md.index("2026-02-01") < md.index("2026-03-01 09:00 (cut)")
    html = render_trends(tmp_path, calls, "html")
    assert html.count("<circle") == 3 and "<script" not in html


def test_trends_tell_calls_of_one_minute_apart_and_say_which_calls_a_share_trend_is_from(
    tmp_path: Path,
) -> None:
    """Two calls started in the same minute read as one row twice; a rep-only call has no talk
    share, so "to the latest" is the latest call with both sides heard (found by a QA pass)."""
    from dataclasses import replace

    from calls.report import trends_markdown
    from calls.scorecard import trend

    write_call(tmp_path / "first.jsonl", started_at="2026-01-01T09:00:10+00:00")
    write_call(tmp_path / "sec|ond.jsonl", started_at="2026-01-01T09:00:40+00:00", call=CALL[:6])
    calls, _ = load_folder(tmp_path)
    for fmt in ("md", "html"):
        shown = render_trends(tmp_path, calls, fmt)
        assert "2026-01-01 09:00 (first)" in shown, fmt
    assert "| 2026-01-01 09:00 (sec\\|ond) |" in render_trends(tmp_path, calls, "md")  # one cell
    assert "2026-01-01 09:00 (sec|ond)" in render_trends(tmp_path, calls, "html")
    points = trend(calls)
    assert "both sides heard" not in trends_markdown(tmp_path, points)
    points.append(replace(points[-1], id="rep-only", when="2026-01-02 10:00", rep_share=None))
    assert "from the first calls with both sides heard to the latest" in trends_markdown(tmp_path, points)


def test_a_call_with_no_one_down_moment_points_to_no_alternatives_above(tmp_path: Path) -> None:
    calm = tuple(s for s in CALL if s.stance != "one-down" and s.stance != "one-up")
    call = load_call(write_call(tmp_path / "calm.jsonl", call=calm))
    md, html = render_call(call, "md"), render_call(call, "html")
    assert "None in this call." in md and "alternatives above" not in md
    assert "No One-Up moment yet in this call." in html and "alternatives above" not in html
    some = load_call(write_call(tmp_path / "some.jsonl", call=tuple(s for s in CALL if s.stance != "one-up")))
    assert "None yet: see the alternatives above." in render_call(some, "md")


def _screenshot(html: Path, png: Path, height: int) -> None:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size=1200,{height}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def _png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is needed to render the HTML (apt-get install chromium)"
)
def test_html_scorecard_and_trends_render_in_headless_chromium(journal: Path, tmp_path: Path) -> None:
    """Renders the pages to PNGs (kept under tmp_path to look at) and checks Chromium drew them."""
    card = tmp_path / "scorecard.html"
    card.write_text(render_call(load_call(journal), "html"))
    _screenshot(card, tmp_path / "scorecard.png", 1600)
    assert _png_size(tmp_path / "scorecard.png") == (1200, 1600)
    assert (tmp_path / "scorecard.png").stat().st_size > 30_000  # A blank page compresses to a few KB.
    folder = tmp_path / "calls"
    folder.mkdir()
    for month, n in ((1, 6), (2, 9), (3, 13), (4, 11)):
        write_call(folder / f"{month}.jsonl", started_at=f"2026-0{month}-01T09:00:00+00:00", call=CALL[:n])
    calls, _ = load_folder(folder)
    trends = tmp_path / "trends.html"
    trends.write_text(render_trends(folder, calls, "html"))
    _screenshot(trends, tmp_path / "trends.png", 900)
    assert (tmp_path / "trends.png").stat().st_size > 15_000


def test_a_verdict_the_refine_pass_changed_says_what_the_live_coach_showed(tmp_path: Path) -> None:
    """The saved verdict of a relabelled line is not the one the rep saw during the call: the
    transcript, the scorecard (md, html) and the JSON say what was shown live, as review does."""
    from calls.transcript_md import render_markdown
    from core.events import Label, Utterance
    from core.journal import JournalWriter

    path = tmp_path / "refined.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    neutral = Label("neutral", "neutral", 0.9, "", None)
    pitch = Label("credibility", "one-down", 0.9, "founded in", "Lead with an insight.")
    j.utterance(Utterance("rep", 1.0, 3.0, "what's that casting you", 2.0, 0.1, neutral, id=1))
    j.utterance(Utterance("rep", 4.0, 6.0, "We were founded in 1990.", 2.0, 0.1, pitch, id=2))
    j.revision(1, "What's that costing you?", Label("pain_probe", "one-down", 0.8, "costing you", "Say it."))
    j.close()
    call = load_call(path)
    note = "↻ refined with context: label was neutral (live text: what's that casting you)"

    transcript = render_markdown(call)
    block = transcript.split("What's that costing you?", 1)[1].split("\n\n", 1)[0]
    assert block.splitlines()[1:] == [
        "> one-down · pain_probe — “costing you”  ",  # a hard break after each note but the last
        "> ➜ One-Up: Say it.  ",
        f"> {note}",
    ]
    assert transcript.count("↻") == 1  # the unchanged line gets no note

    card = render_call(call, "md").replace("\\_", "_")
    alternative, said = card.split("“What's that costing you?”", 1)[1].splitlines()[1:3]
    assert alternative.endswith("Say it.  ") and said == f"  {note}"  # a hard break, then the note
    assert card.count("↻") == 1
    moments = {m["text"]: m for c in json.loads(render_call(call, "json"))["one_down"] for m in c["moments"]}
    assert moments["What's that costing you?"]["live_label"] == "neutral"
    assert moments["What's that costing you?"]["live_text"] == "what's that casting you"
    assert "live_label" not in moments["We were founded in 1990."]
    html = render_call(call, "html")
    assert html.count('class="refined"') == 1 and note in _html_text(html)


def test_what_was_said_reads_as_said_in_the_saved_markdown(tmp_path: Path) -> None:
    """Recognized text with Markdown's characters ("*sigh*", "<b>", a line break then "> ") shows as
    said in NAME.md and the md scorecard, not as emphasis, HTML or a new quote."""
    from calls.markdown import inline
    from calls.transcript_md import render_markdown
    from core.events import Label, Utterance
    from core.journal import JournalWriter

    said = "*sigh* I <b>really</b> need_this deal\n> by Friday"
    assert inline(said) == r"\*sigh\* I \<b\>really\</b\> need\_this deal \> by Friday"
    path = tmp_path / "said.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    needy = Label("neediness", "one-down", 0.9, "really need", "Offer a reason, not a plea.")
    j.utterance(Utterance("rep", 1.0, 3.0, said, 2.0, 0.1, needy, id=1))
    j.close()
    call = load_call(path)
    assert f"**[00:01] Rep:** {inline(said)}\n" in render_markdown(call)
    assert f"“{inline(said)}”" in render_call(call, "md")


def test_a_nudge_the_refine_pass_withdrew_is_listed_not_counted(tmp_path: Path) -> None:
    """The rep saw "We were founded in 1990." accused live, with its nudge; heard again with context it
    reads neutral. The scorecard does not count it, and says so in every format, so the nudge the rep
    remembers is not missing from it. A line relabelled within One-Down, or up to One-Down, is no
    withdrawal."""
    from dataclasses import replace

    from core.events import Label, Utterance
    from core.journal import JournalWriter

    path = tmp_path / "withdrawn.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    pitch = Label("credibility", "one-down", 0.9, "founded in", "Lead with an insight.")
    neutral = Label("neutral", "neutral", 0.9, "", None)
    j.utterance(
        replace(
            Utterance("rep", 1.0, 3.0, "we were found it in 1990", 2.0, 0.1, pitch, id=1), nudge_shown=True
        )
    )
    j.utterance(Utterance("rep", 4.0, 6.0, "what's that casting you", 2.0, 0.1, neutral, id=2))
    j.utterance(Utterance("rep", 7.0, 9.0, "we're the best in the state", 2.0, 0.1, pitch, id=3))
    j.revision(1, "We were founded in 1990.", neutral)
    j.revision(2, "What's that costing you?", Label("pain_probe", "one-down", 0.8, "costing you", "Say it."))
    j.revision(3, "We're the best in the state.", Label("solution_pitch", "one-down", 0.8, "", "Teach."))
    j.close()
    call = load_call(path)
    assert [line.text for line in call.lines if line.withdrawn] == ["We were founded in 1990."]

    card = render_call(call, "md")
    counted, withdrawn = card.split("## Withdrawn after the call", 1)
    assert "founded" not in counted and "costing you" in counted
    assert withdrawn.splitlines()[4] == "- **00:01** “We were founded in 1990.” · now neutral  "
    assert "label was credibility (live text: we were found it in 1990)" in withdrawn.splitlines()[5]
    doc = json.loads(render_call(call, "json"))
    assert doc["withdrawn"] == [
        {
            "at": 1.0,
            "clock": "00:01",
            "text": "We were founded in 1990.",
            "label": "neutral",
            "live_label": "credibility",
            "live_text": "we were found it in 1990",
            "nudge_shown": True,
        }
    ]
    html = _html_text(render_call(call, "html"))
    assert "Withdrawn after the call" in html and "We were founded in 1990." in html
    shown = tmp_path / "shown.jsonl"  # praise shown live, and a user's One-Down label held back
    j = JournalWriter(shown)
    j.session(model="m", config={}, source="s")
    teach = Label("teaching", "one-up", 0.9, "", "Good: you taught.")
    mine = Label("my_discount", "one-down", 0.6, "ten percent off", "Hold your price.")
    j.utterance(
        replace(Utterance("rep", 1.0, 3.0, "here's how to buy", 2.0, 0.1, teach, id=1), nudge_shown=True)
    )
    j.utterance(Utterance("rep", 4.0, 6.0, "ten percent off", 2.0, 0.1, mine, id=2))
    j.revision(1, "Here's how to buy.", neutral)
    j.revision(2, "Ten percent off, *today*.", Label("neutral", "neutral", 0.9, "", None))
    j.close()
    lines = load_call(shown).lines
    assert [line.withdrawn for line in lines] == [False, True]  # One-Up praise withdrawn is no nudge
    assert "“Ten percent off, \\*today\\*.” · now neutral" in render_call(load_call(shown), "md")
    plain = tmp_path / "plain.jsonl"
    j = JournalWriter(plain)
    j.session(model="m", config={}, source="s")
    j.utterance(Utterance("rep", 1.0, 3.0, "We were founded in 1990.", 2.0, 0.1, pitch, id=1))
    j.close()
    assert "Withdrawn" not in render_call(load_call(plain), "md")
    assert json.loads(render_call(load_call(plain), "json"))["withdrawn"] == []
