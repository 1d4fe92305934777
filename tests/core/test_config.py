"""Configuration: precedence flags > environment > file > defaults, and errors that name the key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Config, ConfigError, env_values, flatten, load_config_file, to_toml


def run_cli(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``oneup ARGS`` in a child process with ``env`` (and working folder ``cwd``)."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_dotted_values_are_typed_and_validated() -> None:
    cfg = Config().with_values({"vad.end_silence_ms": "450", "model.threads": 4, "nudge.stances": "one-down"})
    assert cfg.vad.end_silence_ms == 450 and cfg.model.threads == 4 and cfg.nudge.stances == ("one-down",)
    with pytest.raises(ConfigError, match="vad.nope: unknown setting"):
        Config().with_values({"vad.nope": 1})
    with pytest.raises(ConfigError, match="model.threads: expected int"):
        Config().with_values({"model.threads": "many"})
    with pytest.raises(ConfigError, match="vad.aggressiveness"):
        Config().with_values({"vad.aggressiveness": 9})
    with pytest.raises(ConfigError, match="model.interim_window_s: must be in 5..30 seconds"):
        Config().with_values({"model.interim_window_s": 3})
    with pytest.raises(ConfigError, match="model.second_look_logprob: must be in -5..0"):
        Config().with_values({"model.second_look_logprob": 0.5})
    with pytest.raises(ConfigError, match="model.second_look_margin: must be in 0..5"):
        Config().with_values({"model.second_look_margin": -0.1})


@pytest.mark.parametrize(
    ("word", "value"), [("off", False), ("No", False), ("0", False), ("yes", True), (True, True)]
)
def test_switches_take_yes_and_no_words(word: str | bool, value: bool) -> None:
    assert Config().with_values({"refine.enabled": word}).refine.enabled is value


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("refine.enabled", "flase", "refine.enabled: expected bool"),  # a typo does not mean "off"
        ("vad.prospect_phrases", 5, "vad.prospect_phrases: expected bool"),
        ("nudge.stances", "one-dwn", "nudge.stances: must name only one-down, one-up, neutral"),
        ("nudge.min_confidence", 7, "nudge.min_confidence: must be in 0..1"),
        ("nudge.min_words", -1, "nudge.min_words"),
        ("nudge.display_s", -3, "nudge.display_s"),
        ("coach.monologue_gap_s", -1, "coach.monologue_gap_s"),
        ("model.language", " ", "model.language"),
        ("model.language", "abc", "model.language: must be a language code Whisper knows"),
        ("model.language", "EN", "model.language"),
        ("refine.model", "", "refine.model: must name a model"),  # not 'model.model', a key never set
        ("refine.model", "  ", "refine.model: must name a model"),
        ("vad.peek_s", 11, "vad.peek_s"),
        ("vad.peek_s", 5.0, "vad.peek_s: must be shorter than vad.soft_cut_s"),
        ("model.logprob_threshold", 2, "model.logprob_threshold"),
        ("model.hard_logprob_floor", -40, "model.hard_logprob_floor"),
        ("model.threads", True, "model.threads: expected int"),  # TOML true is not 1 thread
        ("model.threads", 2.5, "model.threads: expected int"),  # nor 2.5 two
        ("vad.soft_cut_s", float("nan"), "vad.soft_cut_s: expected float"),  # nan passes range checks
        ("vad.partial_interval_s", "inf", "vad.partial_interval_s: expected float"),
    ],
)
def test_every_section_rejects_a_bad_value_by_name(key: str, value: object, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        Config().with_values({key: value})


def test_toml_round_trip_and_bad_toml_line(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text(to_toml(flatten(Config())))
    assert Config().with_values(load_config_file(f)) == Config()
    f.write_text("[vad]\nend_silence_ms = \n")
    with pytest.raises(ConfigError, match="line 2"):
        load_config_file(f)


def test_environment_keys() -> None:
    assert env_values({"ONEUP_MODEL__THREADS": "3", "ONEUP_DATA_DIR": "/x", "PATH": "/bin"}) == {
        "model.threads": "3"
    }


def test_precedence_through_the_cli(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    env = {**os.environ, "ONEUP_CONFIG": str(cfg)}

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return run_cli({**env, **extra}, *args)

    assert cli("config", "set", "vad.end_silence_ms", "500").returncode == 0
    assert cli("config", "set", "model.threads", "3").returncode == 0
    assert "end_silence_ms = 500" in cli("config", "show").stdout
    shown = cli("config", "show", ONEUP_VAD__END_SILENCE_MS="450").stdout
    assert "end_silence_ms = 450" in shown and "threads = 3" in shown
    bad = cli("config", "set", "vad.end_silence_ms", "-1")
    assert bad.returncode == 2 and bad.stderr.startswith("oneup: error: vad.end_silence_ms")
    assert "end_silence_ms = 500" in cfg.read_text()  # a rejected value is not written


def test_config_set_refuses_a_model_or_rules_file_that_would_fail_every_run(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    bad_rules = tmp_path / "bad.toml"
    bad_rules.write_text('[labels.rapport]\ncues = "weekend"\n')
    good_rules = tmp_path / "good.toml"
    good_rules.write_text('[labels.rapport]\ncues = ["weekend"]\n')
    env = {**os.environ, "ONEUP_CONFIG": str(cfg), "HF_HUB_OFFLINE": "1"}

    def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(env, *args, cwd=cwd)

    for key, value, needle in (
        ("model.model", "no-such-model", "no-such-model"),
        ("refine.model", str(tmp_path), "model.bin"),
        ("detector.rules", str(bad_rules), "must be a list of strings"),
        ("detector.rules", str(tmp_path / "none.toml"), "none.toml"),
    ):
        r = cli("config", "set", key, value)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and needle in r.stderr, r.stderr
        assert not cfg.exists()
    assert cli("config", "set", "model.model", "tiny.en").returncode == 0
    # A path as typed (~, relative) is written as the absolute path that was checked: later runs
    # start elsewhere.
    home = tmp_path / "home"
    home.mkdir()
    (home / "mine.toml").write_text(good_rules.read_text())
    env["HOME"] = str(home)
    assert cli("config", "set", "detector.rules", "~/mine.toml").returncode == 0
    assert f'rules = "{home / "mine.toml"}"' in cfg.read_text()
    r = cli("config", "set", "detector.rules", "mine.toml", cwd=home)
    assert r.returncode == 0, r.stderr
    done = cli("classify", "--text", "how was your weekend")
    assert done.returncode == 0 and '"rapport"' in done.stdout, done.stderr
    # So is a model folder, typed relative or as ~: a later run elsewhere would not find it.
    (home / "models" / "base").mkdir(parents=True)
    (home / "models" / "base" / "model.bin").write_bytes(b"")
    r = cli("config", "set", "refine.model", "models/base", cwd=home)
    assert r.returncode == 0, r.stderr
    assert cli("config", "set", "model.model", "~/models/base").returncode == 0
    text = cfg.read_text()
    assert f'[refine]\nmodel = "{home / "models" / "base"}"' in text
    assert f'[model]\nmodel = "{home / "models" / "base"}"' in text
    # "tiny.en" is the bundled model, whatever folder of that name is where the command runs.
    (home / "tiny.en").mkdir()
    r = cli("config", "set", "model.model", "tiny.en", cwd=home)
    assert r.returncode == 0 and 'model = "tiny.en"' in cfg.read_text(), r.stderr


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Notepad (before 2019) starts a UTF-8 file with one; it is not TOML, so it was "invalid TOML"."""
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(b"\xef\xbb\xbf# mine\n[model]\nthreads = 3\n")
    env = {**os.environ, "ONEUP_CONFIG": str(cfg)}
    r = run_cli(env, "config", "show")
    assert r.returncode == 0 and "threads = 3" in r.stdout, r.stderr
    r = run_cli(env, "config", "set", "model.beam_size", "2")
    assert r.returncode == 0, r.stderr
    assert cfg.read_bytes() == b"# mine\n[model]\nbeam_size = 2\nthreads = 3\n"  # the mark is dropped


def test_a_config_file_that_is_not_a_regular_file_is_refused_not_read(tmp_path: Path) -> None:
    """A FIFO (or /dev/zero) would be read forever."""
    import os

    from core.config import load_config_file

    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config_file(fifo)


def test_a_setting_that_cannot_be_saved_changes_nothing(tmp_path: Path) -> None:
    from core.config import save_settings

    path = tmp_path / "config.toml"
    save_settings(path, {"model.threads": 2})
    before = path.read_text()
    with pytest.raises(ConfigError, match="not valid text"):  # a file name in no encoding
        save_settings(path, {"refine.model": "model-\udcfe"})
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write"):
        save_settings(blocker / "config.toml", {"model.threads": 2})
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "file"]


def test_the_language_list_is_faster_whispers() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    from core.config import WHISPER_LANGUAGES

    assert frozenset(_LANGUAGE_CODES) == WHISPER_LANGUAGES
    multilingual = {"model.model": "/models/base", "model.language": "de"}
    assert Config().with_values(multilingual).model.language == "de"
    with pytest.raises(ConfigError, match="'tiny.en' is English-only"):  # the default model
        Config().with_values({"model.language": "de"})


def test_config_set_keeps_the_users_comments_and_layout(tmp_path: Path) -> None:
    """A file copied from README's commented sample keeps every comment: the value is set in place."""
    from core.config import save_settings

    path = tmp_path / "config.toml"
    path.write_text(
        '# my laptop\n[model]\n# 2 on battery\nthreads = 2   # was 4\n# model = "/path/to/base"\n'
        "\n[detector]\n# min_confidence = 0.62\n"
    )
    save_settings(path, {"model.threads": "3"})
    save_settings(path, {"detector.min_confidence": 0.7, "vad.peek_s": 1.0})
    assert path.read_text() == (
        '# my laptop\n[model]\n# 2 on battery\nthreads = 3  # was 4\n# model = "/path/to/base"\n'
        "\n[detector]\nmin_confidence = 0.7\n# min_confidence = 0.62\n\n[vad]\npeek_s = 1.0\n"
    )
    assert load_config_file(path) == {"model.threads": 3, "detector.min_confidence": 0.7, "vad.peek_s": 1.0}


def test_config_set_writes_a_file_anew_when_editing_in_place_would_read_otherwise(tmp_path: Path) -> None:
    """A dotted key ("model.threads = 2" with no [model] table) cannot take a [model] section too."""
    from core.config import save_settings

    path = tmp_path / "config.toml"
    path.write_text("model.threads = 2\n")
    save_settings(path, {"model.compute_type": "int8"})
    assert path.read_text() == '[model]\nthreads = 2\ncompute_type = "int8"\n'
    assert load_config_file(path) == {"model.threads": 2, "model.compute_type": "int8"}


def test_config_set_says_what_the_file_now_has_in_toml(tmp_path: Path) -> None:
    env = {**os.environ, "ONEUP_CONFIG": str(tmp_path / "c.toml")}
    cmd = [sys.executable, "-m", "cli", "config", "set", "refine.enabled", "false"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refine.enabled = false written to ")
    assert "enabled = false" in (tmp_path / "c.toml").read_text()


@pytest.mark.parametrize("text", ["a\nb", "tab\there", "esc\x1b[31m", 'quote " and \\ back', "plain"])
def test_a_written_string_reads_back_as_it_was(text: str) -> None:
    """Control characters are escaped: a config file with a raw newline in a string would fail to
    load, and every later command with it."""
    from core import tomlfile
    from core.config import toml_value

    assert tomlfile.loads(f"v = {toml_value(text)}")["v"] == text


def test_config_unset_removes_one_setting_and_keeps_the_rest_as_written(tmp_path: Path) -> None:
    """An optional setting (detector.min_confidence has no default value) cannot be set back to
    "none"; unset takes it out of the file so the default applies again."""
    from core.config import unset_setting

    path = tmp_path / "config.toml"
    path.write_text(
        '# mine\n[detector]\nmin_confidence = 0.7  # strict\nrules = ""\n\n[model]\nthreads = 2\n'
    )
    assert unset_setting(path, "detector.min_confidence") is True
    assert path.read_text() == '# mine\n[detector]\nrules = ""\n\n[model]\nthreads = 2\n'
    assert unset_setting(path, "detector.min_confidence") is False  # not set: the file is unchanged
    assert unset_setting(tmp_path / "none.toml", "model.threads") is False
    assert not (tmp_path / "none.toml").exists()
    with pytest.raises(ConfigError, match="model.nope: unknown setting"):
        unset_setting(path, "model.nope")
    path.write_text("detector.min_confidence = 0.5\n[model]\nthreads = 2\n")  # a dotted key: written anew
    assert unset_setting(path, "detector.min_confidence") is True
    assert load_config_file(path) == {"model.threads": 2}


def test_unset_drops_a_section_it_leaves_empty_and_keeps_one_with_comments(tmp_path: Path) -> None:
    """``config set`` then ``config unset`` of the same key gives back the file as it was, not an
    empty ``[section]`` header; a section that still holds the user's comment stays."""
    from core.config import save_settings, unset_setting

    path = tmp_path / "config.toml"
    mine = "# mine\n[model]\nthreads = 2\n"
    path.write_text(mine)
    save_settings(path, {"vad.peek_s": 1.0})
    assert "[vad]" in path.read_text()
    assert unset_setting(path, "vad.peek_s") is True
    assert path.read_text() == mine
    path.write_text("[vad]\npeek_s = 1.0\n\n[model]\nthreads = 2\n")  # in the middle
    assert unset_setting(path, "vad.peek_s") is True
    assert path.read_text() == "[model]\nthreads = 2\n"
    path.write_text("[model]\nthreads = 2\n\n[vad]\n# tuned for the old laptop\npeek_s = 1.0\n")
    assert unset_setting(path, "vad.peek_s") is True
    assert path.read_text() == "[model]\nthreads = 2\n\n[vad]\n# tuned for the old laptop\n"
    assert unset_setting(path, "model.threads") is True
    assert path.read_text() == "[vad]\n# tuned for the old laptop\n"
    path.write_text("[model]\nthreads = 2\n\n[vad]  # the old laptop\npeek_s = 1.0\n")  # on its header
    assert unset_setting(path, "vad.peek_s") is True
    assert path.read_text() == "[model]\nthreads = 2\n\n[vad]  # the old laptop\n"


def test_a_config_file_linked_from_a_dotfiles_folder_stays_a_link(tmp_path: Path) -> None:
    """``config set`` writes through a symbolic link (it used to replace the link with a file, and the
    user's dotfiles copy silently stopped being the one read); the file is the user's alone."""
    from core.config import save_settings, unset_setting

    (tmp_path / "dotfiles").mkdir()
    target = tmp_path / "dotfiles" / "oneup.toml"
    target.write_text("[model]\nthreads = 2\n")
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    save_settings(link, {"model.threads": 3})
    assert link.is_symlink() and load_config_file(target) == {"model.threads": 3}
    unset_setting(link, "model.threads")
    assert link.is_symlink() and target.read_text() == ""
    assert (target.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "dotfiles"]  # no temp file left
    assert sorted(p.name for p in (tmp_path / "dotfiles").iterdir()) == ["oneup.toml"]


def test_config_unset_on_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "ONEUP_CONFIG": str(tmp_path / "c.toml")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "cli", "config", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)

    assert cli("set", "detector.min_confidence", "0.8").returncode == 0
    done = cli("unset", "detector.min_confidence")
    assert done.returncode == 0 and "removed" in done.stdout, done.stderr
    assert "min_confidence" not in (tmp_path / "c.toml").read_text()
    for args in (("unset",), ("unset", "model.threads", "3"), ("unset", "model.nope")):
        bad = cli(*args)
        assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr


def test_config_set_keeps_crlf_line_ends(tmp_path: Path) -> None:
    """A file written on Windows keeps its CRLF line ends, also on the lines oneup writes."""
    from core.config import save_settings, unset_setting

    path = tmp_path / "config.toml"
    path.write_bytes(b"# mine\r\n[model]\r\nthreads = 2\r\n")
    save_settings(path, {"model.threads": 3, "vad.peek_s": 1.0})
    unset_setting(path, "vad.peek_s")
    assert path.read_bytes() == b"# mine\r\n[model]\r\nthreads = 3\r\n"  # no empty [vad] left
    assert load_config_file(path) == {"model.threads": 3}


def test_a_file_written_anew_keeps_crlf_and_a_quoted_key_is_really_unset(tmp_path: Path) -> None:
    """Found in review: the fall-back rewrite (a dotted or quoted key) wrote LF, and unsetting a quoted
    key whose value equals the default said "removed" while the line stayed."""
    from core.config import save_settings, unset_setting

    path = tmp_path / "config.toml"
    path.write_bytes(b"model.threads = 3\r\n")
    save_settings(path, {"model.compute_type": "int8"})
    assert path.read_bytes() == b'[model]\r\nthreads = 3\r\ncompute_type = "int8"\r\n'
    path.write_text("[model]\n'threads' = 2\n")
    assert unset_setting(path, "model.threads") is True
    assert load_config_file(path) == {}


def test_a_value_out_of_range_says_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range or a check across settings failed without naming the file or the environment, as a
    bad type already did; an optional text setting given a number said "expected NoneType"."""
    from core.config import ConfigError, resolve_config

    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("ONEUP_CONFIG", str(cfg))
    for text, needle in (
        ("[model]\nthreads = 0\n", f"{cfg}: model.threads: must be in 1..256"),
        ("[refine]\nmodel = true\n", f"{cfg}: refine.model: expected text, got True"),
    ):
        cfg.write_text(text)
        with pytest.raises(ConfigError, match="^" + re.escape(needle)):
            resolve_config(environ={})
    cfg.unlink()
    with pytest.raises(ConfigError, match="^environment vad.peek_s: must be shorter"):
        resolve_config(environ={"ONEUP_VAD__PEEK_S": "9"})


def test_config_set_mends_a_bad_value_in_the_file_and_blames_the_file_for_the_rest(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    env = {**os.environ, "ONEUP_CONFIG": str(cfg)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(env, *args)

    cfg.write_text("[model]\nthreads = 0\n")
    other = cli("config", "set", "model.beam_size", "2")
    assert (
        other.returncode == 2 and other.stderr == f"oneup: error: {cfg}: model.threads: must be in 1..256\n"
    )
    mend = cli("config", "set", "model.threads", "2")
    assert mend.returncode == 0, mend.stderr
    assert cfg.read_text() == "[model]\nthreads = 2\n"
    bad = cli("config", "set", "model.beam_size", "0")
    assert bad.returncode == 2 and bad.stderr == "oneup: error: model.beam_size: must be in 1..16\n"
