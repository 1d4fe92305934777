"""Live faults through the real audio server: the server dies mid-call; no server at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audio.synth import Turn, synthesize_call
from tests.conftest import requires_espeak
from tests.e2e.test_live_capture import _server_up, start_live
from tuning.wer import corpus_wer

VA = Path(__file__).resolve().parents[3] / "shared" / "tools" / "virtual-audio.sh"

pytestmark = [
    pytest.mark.audio_server,
    pytest.mark.skipif(not _server_up(), reason="virtual audio server not running (scripts/test starts it)"),
    pytest.mark.skipif(not VA.exists() or os.geteuid() != 0, reason="needs virtual-audio.sh and root"),
]


def va(cmd: str) -> None:
    subprocess.run(
        ["bash", str(VA), cmd],
        env={**os.environ, "VA_NO_INSTALL": "1"},
        capture_output=True,
        check=True,
        timeout=60,
    )


def test_server_dying_and_never_returning_ends_the_session_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    proc = start_live(out, 120, "--reconnect-s", "3")
    try:
        time.sleep(1.0)
        va("stop")
        stdout, stderr = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
        va("start")
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "audio device lost" in stdout
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["type"] == "session"
    assert records[-1]["type"] == "summary" and "audio device lost" in records[-1]["end_reason"]
    assert any(r["type"] == "advisory" and "reconnecting" in r["message"] for r in records)
    assert out.with_suffix(".md").exists()


@requires_espeak
def test_capture_resumes_when_the_server_comes_back(tmp_path: Path) -> None:
    call = synthesize_call([Turn("rep", "We are back on the line, thanks for waiting through that.")])
    rep = tmp_path / "rep.wav"
    call.write_channels(rep, tmp_path / "unused.wav")
    out = tmp_path / "s.jsonl"
    proc = start_live(out, 30)
    try:
        time.sleep(1.0)
        va("stop")
        time.sleep(4.0)  # the stall is noticed after 2 s; retries every second
        va("start")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "audio input is back" not in out.read_text():
            time.sleep(0.2)
        time.sleep(0.5)
        subprocess.run(["paplay", "--device=virtual_mic_feed", str(rep)], check=True, timeout=30)
        _stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    notes = [r["message"] for r in records if r["type"] == "advisory"]
    assert any("reconnecting" in n for n in notes) and any("is back" in n for n in notes)
    assert records[-1]["end_reason"] == "duration reached"
    text = " ".join(r["text"] for r in records if r["type"] == "utterance").lower()
    assert corpus_wer([("we are back on the line thanks for waiting through that", text)]) < 0.4, text
    # Call time kept running through the outage: the utterance sits after it, not at second 1.
    assert min(r["start"] for r in records if r["type"] == "utterance") > 5.0


def test_no_audio_server_is_a_clear_error(tmp_path: Path) -> None:
    va("stop")
    try:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "cli.main",
                "live",
                "--headless",
                "--duration",
                "1",
                "--out",
                str(tmp_path / "x.jsonl"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        va("start")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("oneup: error: ")
    assert not (tmp_path / "x.jsonl").exists()
