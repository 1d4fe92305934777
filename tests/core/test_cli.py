"""The command line as a user meets it: bad input is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_SPEECH

CLIP = str(SHARED_SPEECH / "cmuarctic_slt_arctic_a0001.wav")

ONEUP = [sys.executable, "-m", "cli"]


def oneup(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [*ONEUP, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, **kw
    )


def hangups_heard() -> None:
    """In the child: SIGHUP as a terminal session has it. A test run under nohup (CI started in the
    background) passes SIGHUP ignored to every child, and oneup keeps an ignored hang-up ignored."""
    import signal

    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def assert_one_line_error(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("oneup: error: ")
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in lines[0]


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("this is not audio\n")
    (tmp_path / "random.wav").write_bytes(os.urandom(20000))
    (tmp_path / "header.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    return {
        "missing": tmp_path / "nope.wav",
        "directory": tmp_path,
        "empty": tmp_path / "empty.wav",
        "text": tmp_path / "notes.txt",
        "random": tmp_path / "random.wav",
        "truncated header": tmp_path / "header.wav",
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "text", "random", "truncated header"])
def test_bad_audio(bad_files: dict[str, Path], case: str, tmp_path: Path) -> None:
    r = oneup("run", str(bad_files[case]), env={"ONEUP_DATA_DIR": str(tmp_path / "data")})
    assert_one_line_error(r, str(bad_files[case]))
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--threads", "zero"], "--threads"),
        (["--vad-aggressiveness", "7"], "--vad-aggressiveness"),
        (["--beam-size", "0"], "model.beam_size"),
        (["--end-silence-ms", "-5"], "vad.end_silence_ms"),
        (["--compute-type", "int3"], "model.compute_type"),
        (["--bogus"], "unrecognized arguments"),
        (["--rep-channel", "2"], "--rep-channel"),
        (["--rep-channel", "1"], "only in a stereo file"),  # CLIP is mono
    ],
)
def test_invalid_flag_values(args: list[str], needle: str) -> None:
    r = oneup("run", CLIP, *args)
    assert_one_line_error(r, needle)


def test_unknown_model_offline(tmp_path: Path) -> None:
    r = oneup(
        "run",
        CLIP,
        "--model",
        "large-v9",
        "--out",
        str(tmp_path / "x.jsonl"),
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")},
    )
    assert_one_line_error(r, "large-v9", "not available offline")
    assert "Error)" not in r.stderr  # no exception class names


def test_model_dir_without_model(tmp_path: Path) -> None:
    r = oneup("run", CLIP, "--model", str(tmp_path))
    assert_one_line_error(r, "not a CTranslate2 model directory")


def test_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = oneup("run", CLIP, "--out", str(blocker / "s.jsonl"))
    assert_one_line_error(r, f"{blocker} is not a folder")
    assert_one_line_error(oneup("run", CLIP, "--out", "/proc/no-such-dir/s.jsonl"), "cannot write journal")


def test_existing_out_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    out.write_text("keep me\n")
    r = oneup("run", CLIP, "--out", str(out))
    assert_one_line_error(r, "already exists")
    assert out.read_text() == "keep me\n"


def test_corrupt_config_file_names_the_problem(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[vad]\nend_silence_ms = 500\n[model\n")
    r = oneup("run", CLIP, env={"ONEUP_CONFIG": str(cfg)})
    assert_one_line_error(r, "config.toml", "line 3")
    cfg.write_text("[vad]\nend_silence = 500\n")
    r = oneup("run", CLIP, env={"ONEUP_CONFIG": str(cfg)})
    assert_one_line_error(r, "vad.end_silence: unknown setting")


def test_run_writes_journal_and_transcript(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    r = oneup("run", CLIP, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Author of the danger trail" in r.stdout or "author of the danger trail" in r.stdout.lower()
    assert out.exists() and out.with_suffix(".md").exists()
    assert f"saved to {out}" in r.stdout


@pytest.mark.parametrize("args", [["config", "show", "model.threads"], ["config", "path", "x", "y"]])
def test_config_show_and_path_refuse_a_key(args: list[str]) -> None:
    assert_one_line_error(oneup(*args), "takes no KEY or VALUE")


def test_a_journal_named_md_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """The transcript goes beside the journal as NAME.md: `--out call.md` would lose the journal."""
    r = oneup("run", CLIP, "--out", str(tmp_path / "call.md"))
    assert_one_line_error(r, "give the journal another name")
    assert not list(tmp_path.iterdir())


def test_an_existing_transcript_beside_the_journal_needs_force(tmp_path: Path) -> None:
    notes = tmp_path / "s.md"
    notes.write_text("my notes\n")
    r = oneup("run", CLIP, "--out", str(tmp_path / "s.jsonl"))
    assert_one_line_error(r, "s.md: already exists")
    assert notes.read_text() == "my notes\n" and not (tmp_path / "s.jsonl").exists()


@pytest.mark.parametrize(
    ("stop", "reason"),
    [("SIGTERM", "stopped (SIGTERM)"), ("SIGHUP", "stopped (SIGHUP)"), ("SIGINT", "user quit")],
)
def test_kill_hang_up_and_ctrl_c_save_the_call(tmp_path: Path, stop: str, reason: str) -> None:
    """kill or a service manager (SIGTERM), a closed terminal or dropped SSH session (SIGHUP): the
    call ends cleanly, with its summary and transcript; the journal says which (Ctrl-C is the user's
    own quit)."""
    import json
    import signal
    import time

    out = tmp_path / "s.jsonl"
    clip = str(SHARED_SPEECH / "librispeech_103-1240-0000.flac")  # 14 s, played at real-time pace
    proc = subprocess.Popen(
        [*ONEUP, "run", clip, "--realtime", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=hangups_heard,
    )
    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_text()):  # the session line: the call has started
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(getattr(signal, stop))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[-1]["type"] == "summary" and records[-1]["end_reason"] == reason
    assert out.with_suffix(".md").exists() and "saved to" in stdout


def test_out_never_overwrites_the_recording_it_transcribes(tmp_path: Path) -> None:
    """`oneup run call.wav --out call.wav --force` would leave a journal where the recording was."""
    import shutil

    wav = tmp_path / "call.wav"
    shutil.copy(CLIP, wav)
    before = wav.read_bytes()
    same = "is the recording being transcribed"
    assert_one_line_error(oneup("run", str(wav), "--out", str(wav), "--force"), same)
    link = tmp_path / "link.jsonl"
    os.link(wav, link)  # the same file under another name
    assert_one_line_error(oneup("run", str(wav), "--out", str(link), "--force"), same)
    assert wav.read_bytes() == before


def test_a_file_beside_the_journal_that_is_not_a_regular_file_is_refused_before_the_call(
    tmp_path: Path,
) -> None:
    """The transcript (or a kept recording) would be written over a folder or a pipe when the call
    ends: refused at the start, with nothing written."""
    (tmp_path / "a.md").mkdir()
    (tmp_path / "b.rep.wav").mkdir()
    for out, flags in (("a.jsonl", ()), ("b.jsonl", ("--keep-audio",))):
        r = oneup("run", CLIP, "--out", str(tmp_path / out), "--force", *flags)
        assert_one_line_error(r, "not a regular file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.rep.wav"]


def test_out_is_never_empty_and_its_tilde_is_home(tmp_path: Path) -> None:
    assert_one_line_error(oneup("run", CLIP, "--out", ""), "--out: empty")
    r = oneup("run", CLIP, "--out=~/call.jsonl", env={"HOME": str(tmp_path)}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "call.jsonl").is_file() and not (tmp_path / "~").exists()


def test_a_language_the_english_only_model_cannot_speak_is_refused(tmp_path: Path) -> None:
    """faster-whisper would fall back to English with a warning on every decode (thousands a call)."""
    config = tmp_path / "config.toml"
    config.write_text('[model]\nlanguage = "de"\n')
    r = oneup("run", CLIP, "--out", str(tmp_path / "c.jsonl"), env={"ONEUP_CONFIG": str(config)})
    assert_one_line_error(r, "'de' needs a multilingual model", "'tiny.en' is English-only")
    r = oneup("config", "set", "model.language", "de", env={"ONEUP_CONFIG": str(config)})
    assert_one_line_error(r, "'tiny.en' is English-only")  # never written, to fail every later run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_control_characters_in_a_name_are_escaped_in_the_error(tmp_path: Path) -> None:
    """An escape code in a file name must not recolour (or clear) the user's terminal."""
    r = oneup("run", str(tmp_path / "x\x1b[2Jred\nline.wav"))
    assert_one_line_error(r, "x\\x1b[2Jred\\x0aline.wav: no such file")
    assert "\x1b" not in r.stderr


def test_a_file_name_over_the_file_systems_limit_is_one_line(tmp_path: Path) -> None:
    """A part of a path over 255 bytes fails at the first look, wherever that is: one line each."""
    long = "c" * 300
    needle = "file name too long"
    assert_one_line_error(oneup("run", str(tmp_path / f"{long}.wav")), needle)
    assert_one_line_error(oneup("run", CLIP, "--out", str(tmp_path / f"{long}.jsonl")), needle)
    rules = str(tmp_path / f"{long}.toml")
    assert_one_line_error(oneup("classify", "--rules", rules, "--text", "hi"), needle)
    assert_one_line_error(oneup("sessions", env={"ONEUP_DATA_DIR": str(tmp_path / long)}), needle)
    assert not list(tmp_path.iterdir())


def test_out_that_is_not_a_regular_file_is_refused_untouched(tmp_path: Path) -> None:
    """A FIFO (or a device such as /dev/null) is neither truncated nor made private (chmod 600)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o666)
    os.chmod(fifo, 0o666)
    assert_one_line_error(oneup("run", CLIP, "--out", str(fifo), "--force"), "not a regular file")
    assert fifo.stat().st_mode & 0o777 == 0o666


def test_a_recording_whose_name_is_in_no_encoding_is_transcribed(tmp_path: Path) -> None:
    """The file system allows any bytes in a name; the journal records it with escapes (it had been
    a traceback and an empty journal that blocked the retry)."""
    import json
    import shutil

    folder = os.fsencode(tmp_path)
    wav = os.path.join(folder, b"call-\xff.wav")
    shutil.copy(CLIP, wav)
    out = tmp_path / "s.jsonl"
    r = subprocess.run([*ONEUP, "run", wav, "--out", str(out)], capture_output=True, timeout=120)
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr
    session = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert session["type"] == "session" and out.with_suffix(".md").exists()


@pytest.mark.parametrize("command", [["demo", "--fast"], ["live"]])
def test_the_live_view_without_a_terminal_is_one_line_and_writes_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "s.jsonl"
    r = oneup(*command, "--out", str(out), stdin=subprocess.DEVNULL)
    assert_one_line_error(r, "needs a terminal", "--headless")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["live", "--headless", "--duration", "nan"], "must be a number > 0"),
        (["live", "--headless", "--reconnect-s", "inf"], "must be a number > 0"),
        (["bench", "--models", ",,,"], "names no model"),
        (["run", CLIP, "--out", "some/folder/"], "names a folder"),
        (["run", CLIP, "--out", f"{CLIP}/call.jsonl"], "is not a folder"),  # was "File exists"
    ],
)
def test_numbers_names_and_folders_that_mean_nothing_are_refused(args: list[str], needle: str) -> None:
    assert_one_line_error(oneup(*args, stdin=subprocess.DEVNULL), needle)


def test_a_full_disk_mid_call_is_one_error_line_naming_what_was_kept(tmp_path: Path) -> None:
    """The disk fills (here: a file size limit of 3 KiB) during a call: one line on stderr that says
    where the call up to then is, exit 2, and no "saved to" on stdout (it was two lines, one of them
    saying the call was saved; found by a QA pass)."""
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (3072, 3072))

    out = tmp_path / "call.jsonl"
    clip = str(SHARED_SPEECH / "librispeech_103-1240-0000.flac")
    r = subprocess.run(
        [*ONEUP, "run", clip, "--out", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=120,
    )
    assert_one_line_error(
        r, f"oneup: error: {out}: cannot write the journal: ", f"; the call up to then: {out}"
    )
    assert "processing failed" not in r.stderr
    assert "saved to" not in r.stdout
    assert out.read_text(errors="replace").startswith('{"type": "session"')


def _started(out: Path, proc: subprocess.Popen[str]) -> None:
    import time

    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_text()):  # the session line: the call has started
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)


def test_a_closed_terminal_saves_the_call_though_printing_fails(tmp_path: Path) -> None:
    """The terminal is gone (its pty closed, then SIGHUP): every later print fails with EIO. The call
    is saved as for a quit, not ended as a processing error (found in review)."""
    import json
    import os
    import pty
    import signal
    import time

    out = tmp_path / "s.jsonl"
    clip = str(SHARED_SPEECH / "librispeech_103-1240-0000.flac")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*ONEUP, "run", clip, "--realtime", "--out", str(out)],
        stdout=slave,
        stderr=slave,
        text=True,
        preexec_fn=hangups_heard,
    )
    os.close(slave)
    _started(out, proc)
    time.sleep(2.0)
    os.close(master)
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=60) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[-1]["type"] == "summary" and records[-1]["end_reason"] == "stopped (SIGHUP)"
    assert out.with_suffix(".md").exists()


def test_a_hang_up_the_caller_ignores_does_not_stop_the_call(tmp_path: Path) -> None:
    """``nohup oneup run ...``: SIGHUP is ignored when oneup starts, and stays ignored."""
    import json
    import signal

    out = tmp_path / "s.jsonl"
    proc = subprocess.Popen(
        [*ONEUP, "run", CLIP, "--realtime", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    _started(out, proc)
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    summary = json.loads(out.read_text().splitlines()[-1])
    assert summary["end_reason"] == "end of audio"


def test_an_out_path_oneup_may_not_look_into_is_left_to_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path.is_dir raises PermissionError in a folder the user may not enter (root never sees one,
    hence the stand-in): the writer's own one-line error says so, not a traceback (found in review)."""
    from cli.output import out_path

    def denied(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    target = tmp_path / "locked" / "sub" / "x.jsonl"
    monkeypatch.setattr(Path, "is_dir", denied)
    assert out_path(str(target), "journal", "for the sessions folder", "call.jsonl") == target


def test_output_in_an_encoding_without_the_characters_is_written_not_a_traceback() -> None:
    """Windows writes a redirected stdout in cp1252: "➜" (a nudge line) or the rep's own text in
    another script has no character there. It is written as "?" and the command succeeds."""
    r = oneup(
        "classify",
        input="we are the leading platform \u279c \u4f60\u597d\n",
        env={"PYTHONIOENCODING": "cp1252"},
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert '"credibility"' in r.stdout and "platform ? ??" in r.stdout
