"""Live faults through the real audio server: the server dies mid-call; no server at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_live_capture import _server_up, start_live

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


def test_server_dying_mid_call_ends_the_session_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    proc = start_live(out, 120)
    try:
        time.sleep(1.0)
        va("stop")
        stdout, stderr = proc.communicate(timeout=30)
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
    assert out.with_suffix(".md").exists()


def test_no_audio_server_is_a_clear_error(tmp_path: Path) -> None:
    va("stop")
    try:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "live.cli",
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
