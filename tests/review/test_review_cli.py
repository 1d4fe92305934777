"""`oneup sessions`, `report` and `review --reclassify --print`: output, files, and one-line errors."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from calls.replay import replay, replay_lines
from calls.store import load_call
from classifiers import load_classifier
from classifiers.base import Context
from cli.main import main
from core.events import Label
from tests.review.journals import CALL, ONE_DOWN, Said, write_call

ROOT = Path(__file__).resolve().parents[2]


class EverythingIsTeaching:
    """A detector double: relabels pitches as teaching and keeps the rest, recording its inputs."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, float, str | None]] = []

    def classify(self, text: str, context: object) -> Label:
        self.seen.append((text, context.call_time, context.prospect_prev))  # type: ignore[attr-defined]
        said = next(s for s in CALL if s.text == text)
        if said.label == "solution_pitch":
            return Label("teaching", "one-up", 0.8, "our platform", "Nice.")
        return Label(said.label or "neutral", said.stance or "neutral", 0.9, said.evidence, said.note)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ONEUP_DATA_DIR", str(tmp_path))
    write_call(tmp_path / "2026-01-05_10-00-00.jsonl", started_at="2026-01-05T10:00:00+00:00")
    write_call(tmp_path / "2026-02-01_09-00-00.jsonl", started_at="2026-02-01T09:00:00+00:00", summary=False)
    return tmp_path


def test_replay_reports_only_what_changed_with_the_live_context(tmp_path: Path) -> None:
    call = load_call(write_call(tmp_path / "c.jsonl"))
    double = EverythingIsTeaching()
    result = replay(call, double, "test rules")
    assert [(c.text, c.old_label, c.new.label) for c in result.changes] == [
        (s.text, "solution_pitch", "teaching") for s in CALL if s.label == "solution_pitch"
    ]
    assert result.checked == sum(s.speaker == "rep" for s in CALL)
    assert (result.one_down_before, result.one_down_after) == (len(ONE_DOWN), len(ONE_DOWN) - 1)
    # The detector saw what the live pipeline gives it: start time and the prospect's last line.
    pitch = next(s for s in double.seen if s[0].startswith("Our platform"))
    assert pitch[1:] == (70.5, "That matches what we see.")
    assert double.seen[0][2] is None
    lines = replay_lines(result)
    assert lines[0] == "01:10  solution_pitch (one-down) -> teaching (one-up)  " + CALL[10].text
    assert lines[-1].startswith("1 of 8 rep utterances changed with test rules; One-Down 5 -> 4")


RECOMMEND = "Then what I would recommend as a next step is a two week study."
STUDY = "We measure absences for every shift, and review the results with you and your finance lead."
TURNS = (
    Said("prospect", 0.0, 2.0, "Weekends are chaos."),
    Said("prospect", 2.2, 4.0, "No-shows, mostly."),
    Said("rep", 5.0, 8.0, RECOMMEND, "teaching", "one-up"),
    Said("rep", 8.3, 14.0, STUDY, "neutral", "neutral"),
    Said("rep", 20.0, 26.0, STUDY, "neutral", "neutral"),
)


def test_replay_gives_the_detector_the_live_turn_context(tmp_path: Path) -> None:
    """A rep line less than ``vad.end_silence_ms`` after the last one is judged after it, and the
    prospect's turn is all of their lines since the rep spoke: what ``classifiers.turns`` gives live."""
    config = {"vad": {"end_silence_ms": 600}}
    call = load_call(write_call(tmp_path / "c.jsonl", call=TURNS, config=config))
    seen: list[tuple[str, str | None, str | None]] = []
    contexts: list[Context] = []

    class Recorder:
        def classify(self, text: str, context: Context) -> Label:
            contexts.append(context)
            seen.append((text[:9], context.prospect_prev, context.turn_prev and context.turn_prev[:9]))
            return Label("neutral", "neutral", 0.9, "", None)

    replay(call, Recorder())
    turn = "Weekends are chaos. No-shows, mostly."
    assert seen == [("Then what", turn, None), ("We measur", turn, "Then what"), ("We measur", turn, None)]
    # Revised lines (the refine pass): the live detector judged each line after the others as they
    # were first written, and judges a revision in its line's first context: so does the replay.
    path = tmp_path / "c.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for uid, rec in enumerate((r for r in records if r["type"] == "utterance"), start=1):
        rec["id"] = uid
    revised = [{"type": "revision", "id": 2, "text": "No shows mostly."}]
    revised.append({"type": "revision", "id": 3, "text": RECOMMEND.replace("two week", "two-week")})
    lines = [json.dumps(r) for r in records[:-1] + revised + records[-1:]]
    path.write_text("\n".join(lines) + "\n")
    contexts.clear()
    replay(load_call(path), Recorder())
    assert [(c.prospect_prev, c.turn_prev) for c in contexts] == [
        (turn, None),
        (turn, RECOMMEND),
        (turn, None),
    ]
    # The real detector: the plan that carries out the recommendation stays neutral, as it was live;
    # alone (a new turn) it reads as a pitch: the one change.
    result = replay(call, load_classifier())
    assert [(c.start, c.new.stance) for c in result.changes] == [(20.0, "one-down")]


def test_review_reclassify_print_runs_the_real_detector(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "2026-01-05_10-00-00", "--reclassify", "--print"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.match(r"\d+ of 8 rep utterances changed with built-in rules; One-Down 5 -> \d+", out[-1])
    assert all(re.match(r"\d\d:\d\d  \S+ \(\S+\) -> \S+ \(\S+\)  ", line) for line in out[:-1])


def test_sessions_lists_newest_first_and_deletes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("2026-02-01_09-00-00") and "(cut" in out[1]
    assert out[2].startswith("2026-01-05_10-00-00") and f"{len(ONE_DOWN):>8}" in out[2]
    (folder / "2026-01-05_10-00-00.md").write_text("transcript")
    assert main(["sessions", "--delete", "2026-01-05_10-00-00"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["2026-02-01_09-00-00.jsonl"]
    assert main(["sessions", "--delete-all", "--yes"]) == 0
    assert list(folder.iterdir()) == []
    capsys.readouterr()
    assert main(["sessions"]) == 0
    assert "no saved sessions" in capsys.readouterr().out


def test_sessions_writes_file_names_escaped(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A journal's name is the user's (or a recording's) and may hold an escape code: listed, deleted
    or named as the folder, it is written escaped, as warnings and errors already were."""
    odd = folder / "odd\x1b[2J"
    odd.mkdir()
    write_call(odd / "call\x1b]0;x\x07.jsonl", started_at="2026-01-05T10:00:00+00:00")
    monkeypatch.setenv("ONEUP_DATA_DIR", str(odd))
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert "call\\x1b]0;x\\x07" in out and f"{folder}/odd\\x1b[2J" in out
    assert main(["sessions", "--delete", "call\x1b]0;x\x07"]) == 0
    assert main(["sessions", "--delete-all", "--yes"]) == 0
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert "deleted " in out and "no saved sessions in" in out
    assert not [c for c in out if c in "\x1b\x07"]


def test_report_writes_each_format_and_trends(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "2026-02-01_09-00-00", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["recomputed"] is True and doc["summary"]["one_down"] == len(ONE_DOWN)
    out = tmp_path / "card.html"
    assert (
        main(["report", str(folder / "2026-01-05_10-00-00.jsonl"), "--format", "html", "--out", str(out)])
        == 0
    )
    assert out.read_text().startswith("<!DOCTYPE html>") and out.stat().st_mode & 0o777 == 0o600
    assert main(["report", str(folder)]) == 0
    assert "# Trends · 2 calls" in capsys.readouterr().out


def test_a_damaged_journal_warns_once_per_line_on_stderr(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "2026-01-05_10-00-00.jsonl"
    path.write_text(path.read_text() + "garbage\n")
    assert main(["report", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"oneup: warning: {path}:{len(path.read_text().splitlines())}: malformed line skipped"]
    # A file name with an escape code in it is written escaped: it neither drives the terminal nor
    # breaks the one line.
    odd = folder / "call\x1b[2J\n\x9b.jsonl"  # \x9b: a terminal's one-byte CSI
    path.rename(odd)
    assert main(["report", str(odd)]) == 0
    err = capsys.readouterr().err.splitlines()
    shown = f"{folder}/call\\x1b[2J\\x0a\\x9b.jsonl"
    assert err == [f"oneup: warning: {shown}:{len(odd.read_text().splitlines())}: malformed line skipped"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nope"], "no session 'nope'"),
        (["report", "{dir}/empty"], "no readable session journals"),
        (["report", "{dir}/notes.txt"], "not a oneup session journal"),
        (["report", "2026-01-05_10-00-00", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["report", "2026-01-05_10-00-00", "--out", "{dir}/no/such/dir/x.md"], "cannot write the report"),
        (["report", "2026-01-05_10-00-00", "--out", "{dir}/notes.txt"], "notes.txt: already exists"),
        (["report", "2026-01-05_10-00-00", "--out", "{dir}/sub/"], "names a folder: give the report a file"),
        (["report", "2026-01-05_10-00-00", "--out", "{dir}", "--force"], "names a folder"),
        (["report", "2026-01-05_10-00-00", "--out", " "], "--out: empty"),
        (["report", "2026-01-05_10-00-00", "--out", "{dir}/notes.txt/r.md"], "notes.txt is not a folder"),
        (
            ["report", "2026-01-05_10-00-00", "--out", "{dir}/2026-01-05_10-00-00.jsonl", "--force"],
            "is the journal the report is made from",
        ),
        (["report", "{dir}", "--out", "{dir}/2026-02-01_09-00-00.jsonl", "--force"], "is the journal"),
        (["review", "2026-01-05_10-00-00"], "needs a terminal"),
        (["review", "2026-01-05_10-00-00", "--print"], "--print needs --reclassify"),
        (["review", "2026-01-05_10-00-00", "--min-confidence", "0.8"], "need --reclassify"),
        (
            ["review", "2026-01-05_10-00-00", "--reclassify", "--min-confidence", "7"],
            "detector.min_confidence",
        ),
        (
            ["review", "2026-01-05_10-00-00", "--reclassify", "--print", "--rules", "{dir}/none.toml"],
            "none.toml",
        ),
        (["review", "{dir}"], "is a folder"),
        (["sessions", "--delete", "ghost"], "no session 'ghost'"),
        (["sessions", "--delete-all"], "add --yes"),
        (["report", "{dir}/pipe.jsonl"], "pipe.jsonl: not a regular file"),
        (["review", "{dir}/pipe.jsonl"], "pipe.jsonl: not a regular file"),
        (["report", "{dir}/gone/call.jsonl"], "call.jsonl: no such file"),
        # a missing copy elsewhere never stands for the saved call of the same name
        (["sessions", "--delete", "{dir}/gone/2026-01-05_10-00-00.jsonl"], "no such file"),
        (["report", "2026-01-05_10-00-00", "--out", ""], "--out: empty"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(folder: Path, args: list[str], message: str) -> None:
    (folder / "empty").mkdir()
    (folder / "notes.txt").write_text("not a journal\n")
    if any("pipe.jsonl" in a for a in args):
        os.mkfifo(folder / "pipe.jsonl")  # read to its end, it would never end
    argv = [a.replace("{dir}", str(folder)) for a in args]
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oneup: error: ") and message in lines[0], proc.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before  # nothing clobbered


def test_a_journal_name_that_is_no_regular_file_is_skipped(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    assert main(["sessions"]) == 0
    assert "2 sessions in" in capsys.readouterr().out
    assert main(["report", str(folder), "--format", "md"]) == 0


def test_a_report_that_cannot_be_written_whole_leaves_the_old_one(folder: Path, tmp_path: Path) -> None:
    """A full disk (here: a file size limit of 4 KiB) mid-report: one line, and the report replaced
    with --force is still the old one, whole; no half-written file is left."""
    out = tmp_path / "reports" / "old.html"
    out.parent.mkdir()
    out.write_text("the old report\n")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    argv = ["report", "2026-01-05_10-00-00", "--format", "html", "--out", str(out), "--force"]
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *argv], capture_output=True, text=True, cwd=ROOT, preexec_fn=limit
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "cannot write the report" in proc.stderr
    assert out.read_text() == "the old report\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["old.html"]
    assert main(["report", "2026-01-05_10-00-00", "--format", "html", "--out", str(out), "--force"]) == 0
    assert len(out.read_bytes()) > 4096


def test_report_never_writes_over_its_journal_through_a_hard_link(folder: Path, tmp_path: Path) -> None:
    journal = folder / "2026-01-05_10-00-00.jsonl"
    before = journal.read_bytes()
    link = tmp_path / "card.md"
    os.link(journal, link)
    with pytest.raises(SystemExit) as ended:
        main(["report", str(journal), "--out", str(link), "--force"])
    assert ended.value.code == 2 and journal.read_bytes() == before


def test_report_replaces_an_existing_file_only_with_force(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.md"
    out.write_text("last week's card\n")
    assert main(["report", "2026-01-05_10-00-00", "--out", str(out), "--force"]) == 0
    assert out.read_text().startswith("# ")


def _piped(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``oneup COMMAND`` through a shell, so its output can go into a pipe whose reader leaves."""
    return subprocess.run(
        f"{sys.executable} -m cli {command}",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )


def test_a_reader_that_goes_away_is_not_a_traceback(folder: Path) -> None:
    """`oneup sessions | head -1`: the pipe closes before everything is written (more than a pipe holds)."""
    one = (folder / "2026-01-05_10-00-00.jsonl").read_text()
    for i in range(1200):
        (folder / f"2025-01-01_00-00-{i:04d}.jsonl").write_text(one)
    proc = _piped("sessions | head -1", {**os.environ, "ONEUP_DATA_DIR": str(folder)})
    assert proc.stdout.startswith("id") and proc.stderr == "", proc.stderr


def test_the_review_command_keeps_textual_out_of_the_core() -> None:
    code = "import sys, cli.review, calls.report_html, calls.store; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_a_reader_that_goes_away_before_a_short_answer_is_not_a_traceback_either() -> None:
    """A few bytes sit in stdout's buffer until the program ends: flushed where the error is caught."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = _piped("config path | (exec 0<&-; true)", env)
    assert proc.stderr == "", proc.stderr


def test_no_talk_share_says_why(tmp_path: Path) -> None:
    """A two-channel call where nobody spoke is not a rep-only recording."""
    from dataclasses import replace

    from calls.report import figures

    summary = load_call(write_call(tmp_path / "c.jsonl")).summary
    silent = replace(summary, rep_s=0.0, prospect_s=0.0, rep_share=None)
    rep_only = replace(summary, prospect_s=0.0, rep_share=None)
    assert dict(figures(silent))["Rep talk share"] == "n/a (no speech)"
    assert dict(figures(rep_only))["Rep talk share"] == "n/a (rep-only recording)"
