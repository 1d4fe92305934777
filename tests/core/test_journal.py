"""The journal: private, never clobbered, one flushed line per event, readable after a crash."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from calls.store import load_call
from calls.transcript_md import render_markdown
from core.events import Label, Mark, Utterance
from core.journal import JournalError, JournalWriter, default_journal_path, read_journal, write_whole


def utt(text: str = "what keeps you up at night", speaker: str = "rep") -> Utterance:
    label = Label(
        "pain_probe", "one-down", 0.9, "keeps you up at night", "Share why teams like theirs hit it"
    )
    return Utterance(speaker, 1.0, 2.5, text, 1.2, 0.8, label if speaker == "rep" else None, True)  # type: ignore[arg-type]


def test_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "calls" / "a.jsonl"
    JournalWriter(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_existing_file_is_never_overwritten_without_force(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text("precious\n")
    with pytest.raises(JournalError, match="already exists"):
        JournalWriter(path)
    assert path.read_text() == "precious\n"
    JournalWriter(path, force=True).close()
    assert path.read_text() == ""


def test_unwritable_location_is_a_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot write"):
        JournalWriter(blocker / "sub" / "a.jsonl")


def test_each_event_is_on_disk_before_the_next(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    j = JournalWriter(path)
    j.session(model="tiny.en", config={"x": 1}, source="f.wav")
    j.utterance(utt())
    # Not closed: a killed process leaves exactly this on disk.
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["type"] for r in lines] == ["session", "utterance"]
    rec = lines[1]
    assert rec["speaker"] == "rep" and rec["label"] == "pain_probe" and rec["stance"] == "one-down"
    assert rec["nudge"] == "Share why teams like theirs hit it" and rec["nudge_shown"] is True
    assert rec["latency_s"] == 0.8 and rec["start"] == 1.0 and rec["end"] == 2.5
    j.utterance(utt("okay thanks", "prospect"))
    assert json.loads(path.read_text().splitlines()[2])["label"] is None
    j.close()


def test_default_names_are_unique(tmp_path: Path) -> None:
    a = default_journal_path(tmp_path)
    a.write_text("")
    b = default_journal_path(tmp_path)
    assert a != b and not b.exists()


def test_reader_skips_a_cut_last_line_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    j.utterance(utt())
    j.mark(Mark(3.0, "price"))
    j.close()
    with path.open("a") as fh:
        fh.write("[1, 2]\n")
        fh.write('{"type": "utterance", "speaker": "rep", "te')
    records, problems = read_journal(path)
    assert [r["type"] for r in records] == ["session", "utterance", "mark"]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:4", f"{path}:5"]
    md = render_markdown(load_call(path))
    assert "did not finish cleanly" in md
    assert "**[00:01] Rep:** what keeps you up at night" in md
    assert "One-Up: Share why teams like theirs hit it" in md
    assert "marked moment** price" in md


def test_markdown_lists_lines_by_when_they_started(tmp_path: Path) -> None:
    """The journal holds lines in the order they were complete: a short reply said over a long rep
    line comes first there. The transcript lists them by start, as review does, so time goes forward."""
    path = tmp_path / "a.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    j.utterance(Utterance("prospect", 22.0, 23.0, "thank you", 0.8, 0.3, emitted_at=23.3, id=1))
    j.mark(Mark(21.0, "here"))
    j.utterance(Utterance("rep", 19.0, 25.0, "let me walk you through it", 5.0, 0.3, emitted_at=25.3, id=2))
    j.close()
    md = render_markdown(load_call(path))
    rep, mark, reply = (md.index(s) for s in ("[00:19] Rep:", "marked moment** here", "[00:22] Prospect:"))
    assert rep < mark < reply


def test_a_journal_named_like_its_transcript_is_refused(tmp_path: Path) -> None:
    """``--out call.md``: the transcript written at the end would replace the journal."""
    with pytest.raises(JournalError, match="give the journal another name"):
        JournalWriter(tmp_path / "call.md")
    assert not (tmp_path / "call.md").exists()


BOTH = ("rep", "prospect")


@pytest.mark.parametrize(("audio", "name"), [((), "a.md"), (BOTH, "a.rep.wav"), (BOTH, "a.prospect.wav")])
def test_files_beside_the_journal_are_never_overwritten_without_force(
    tmp_path: Path, audio: tuple[str, ...], name: str
) -> None:
    (tmp_path / name).write_text("my notes\n")
    with pytest.raises(JournalError, match=f"{name}: already exists"):
        JournalWriter(tmp_path / "a.jsonl", audio=audio)
    assert (tmp_path / name).read_text() == "my notes\n" and not (tmp_path / "a.jsonl").exists()
    JournalWriter(tmp_path / "a.jsonl", force=True, audio=audio).close()


def test_a_kept_wav_counts_only_when_audio_is_kept(tmp_path: Path) -> None:
    (tmp_path / "a.rep.wav").write_text("x")
    JournalWriter(tmp_path / "a.jsonl").close()  # no --keep-audio: that file is not written
    # A rep-only call keeps the rep's channel only: another call's prospect WAV is not in its way.
    (tmp_path / "b.prospect.wav").write_text("x")
    JournalWriter(tmp_path / "b.jsonl", audio=("rep",)).close()
    (tmp_path / "c.prospect.wav").write_text("x")
    with pytest.raises(JournalError, match="c.prospect.wav: already exists"):
        JournalWriter(tmp_path / "c.jsonl", audio=BOTH)


def test_a_default_name_taken_meanwhile_moves_on(tmp_path: Path) -> None:
    """Two calls started in the same second pick the same default name; the second gets -2."""
    first = default_journal_path(tmp_path)
    second = default_journal_path(tmp_path)
    assert first == second
    a = JournalWriter(first, unique=True)
    b = JournalWriter(second, force=True, unique=True)  # --force without --out: still not the other call
    assert a.path == first and b.path == first.with_name(f"{first.stem}-2.jsonl")
    a.close()
    b.close()
    (tmp_path / "x.md").write_text("")  # a transcript left without its journal: x is taken too
    c = JournalWriter(tmp_path / "x.jsonl", unique=True)
    assert c.path.name == "x-2.jsonl"
    c.close()


def test_a_failed_write_is_one_error_and_keeps_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")

    class Full:
        def write(self, _text: str) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None:
            pass

        def close(self) -> None:
            raise OSError(28, "No space left on device")

    real = j._file
    real.close()
    j._file = Full()  # type: ignore[assignment]
    with pytest.raises(JournalError, match="cannot write the journal: No space left on device"):
        j.utterance(utt())
    j.utterance(utt())  # dropped quietly: the session is ending on the first error
    j.close()
    records, problems = read_journal(path)
    assert [r["type"] for r in records] == ["session"] and not problems


def test_a_journal_named_like_its_transcript_in_other_case_is_refused(tmp_path: Path) -> None:
    """call.MD and call.md are one file on macOS and Windows."""
    with pytest.raises(JournalError, match="give the journal another name"):
        JournalWriter(tmp_path / "call.MD")


def test_a_file_written_whole_or_not_at_all(tmp_path: Path) -> None:
    """The transcript and reports: a write that fails (here a 4 KiB file size limit, as a full disk)
    leaves the older file as it was, or none (an empty NAME.md would block the next run)."""
    import subprocess
    import sys

    code = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from core.journal import write_whole\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        write_whole(Path(name), 'x' * 9000)\n"
        "    except OSError as exc:\n"
        "        print(exc.errno)\n"
    )
    old, new = tmp_path / "old.md", tmp_path / "new.md"
    old.write_text("the old transcript\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code, str(old), str(new)], capture_output=True, text=True, cwd=root
    )
    assert done.returncode == 0 and done.stdout.split() == ["27", "27"], done.stderr  # EFBIG twice
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.md"]
    assert old.read_text() == "the old transcript\n"
    write_whole(new, "whole\n")
    assert new.read_text() == "whole\n" and stat.S_IMODE(new.stat().st_mode) == 0o600


def test_a_whole_write_goes_through_a_link_and_fits_any_name_that_fits(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.html"
    target.write_text("old")
    link = tmp_path / "report.html"
    link.symlink_to(target)
    write_whole(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    long = tmp_path / ("r" * 250 + ".md")  # 253 bytes: the name fits, so must the write
    write_whole(long, "whole")
    assert long.read_text() == "whole"
    with pytest.raises(FileExistsError):
        write_whole(long, "again", exclusive=True)
    assert long.read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["elsewhere.html", "report.html", long.name])
