"""`oneup classify` as a user runs it: a subprocess, JSON lines out, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "text",
    "label",
    "stance",
    "confidence",
    "evidence",
    "nudge",
    "reinforcement",
    "unsure",
    "guess",
    "part",
    "like",
}


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "classify", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_stdin_lines_give_one_json_object_each_and_skip_blank_lines() -> None:
    done = _run(stdin="so what keeps you up at night\n\nokay sounds good\n")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 2
    assert all(set(r) == KEYS for r in records)
    assert records[0]["text"] == "so what keeps you up at night"
    assert records[0]["label"] == "pain_probe"
    assert records[0]["stance"] == "one-down"
    assert records[0]["nudge"]
    assert 0.0 <= records[0]["confidence"] <= 1.0
    assert records[1]["label"] == "neutral"
    assert records[1]["nudge"] is None


def test_repeatable_text_option() -> None:
    done = _run(
        "--text", "how was your weekend, get out on the lake at all?", "--text", "let me share my screen"
    )
    assert done.returncode == 0, done.stderr
    labels = [json.loads(line)["label"] for line in done.stdout.splitlines()]
    assert labels == ["rapport", "neutral"]


def test_rules_file_custom_label_flows_through(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[labels.early_discount]\nstance = "one-down"\ncues = ["knock off ten percent"]\n'
        'nudges = ["Hold the price: restate the cost of the problem."]\n',
        encoding="utf-8",
    )
    done = _run("--rules", str(rules), "--text", "um I could knock off ten percent if that helps")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["label"] == "early_discount"
    assert record["stance"] == "one-down"
    assert record["evidence"] == "knock off ten percent"
    assert record["nudge"] == "Hold the price: restate the cost of the problem."


def test_bad_rules_file_is_one_line_exit_2_no_traceback(tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('[labels.rapport]\ncues = ["weekend"\n', encoding="utf-8")
    done = _run("--rules", str(rules), "--text", "hello")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "line 2" in done.stderr or "line 3" in done.stderr


def test_wrong_key_names_the_key(tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('[labels.rapport]\nphrases = ["weekend"]\n', encoding="utf-8")
    done = _run("--rules", str(rules), "--text", "hello")
    assert done.returncode == 2
    assert "labels.rapport.phrases" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unsure_line_is_neutral_with_its_guess() -> None:
    done = _run("--min-confidence", "0.999", "--text", "so what keeps you up at night")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert (record["label"], record["stance"], record["nudge"], record["unsure"]) == (
        "neutral",
        "neutral",
        None,
        True,
    )
    assert record["guess"]["label"] == "pain_probe"


def test_a_minute_outside_a_call_is_one_line_exit_2() -> None:
    for bad in ("-5", "inf", "nan", "ten"):
        done = _run("--minute", bad, "--text", "hello")
        assert done.returncode == 2 and done.stdout == "", bad
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "--minute" in lines[0], done.stderr
    assert _run("--minute", "0", "--text", "hello").returncode == 0


def test_bytes_in_no_utf8_come_out_as_valid_utf8_json() -> None:
    for args, stdin in (([b"--text", b"caf\xe9 pitch"], b""), ([], b"caf\xe9 pitch\n")):
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"cli", b"classify", *args],
            input=stdin,
            capture_output=True,
            cwd=ROOT,
            timeout=60,
            env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},  # a UTF-8 locale's strict stdin
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.decode("utf-8"))["text"] == "caf\ufffd pitch"  # strict UTF-8


def test_a_byte_order_mark_on_stdin_is_not_part_of_the_first_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "classify"],
        input="\ufeffwhat keeps you up at night\nsure\n".encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    texts = [json.loads(line)["text"] for line in done.stdout.decode().splitlines()]
    assert texts == ["what keeps you up at night", "sure"]
