"""kill -9 in the middle of a call: every finalized utterance is on disk, every line complete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from audio.synth import Turn, synthesize_call
from calls.store import load_call
from calls.transcript_md import render_markdown
from core.journal import read_journal
from tests.conftest import requires_espeak


@requires_espeak
def test_kill_9_mid_call_leaves_a_complete_journal(tmp_path: Path) -> None:
    lines = [
        "Thanks for joining today, I know your week is busy.",
        "Sure, happy to talk.",
        "What are the biggest problems with your current warehouse system?",
        "Honestly the reporting is slow and nobody trusts the numbers.",
        "Most teams your size find that the numbers drift once volume spikes.",
        "That is exactly what happened in November.",
    ] * 3
    turns = [Turn("rep" if i % 2 == 0 else "prospect", t, 0.7) for i, t in enumerate(lines)]
    wav = tmp_path / "call.wav"
    synthesize_call(turns).write_wav(wav)
    out = tmp_path / "s.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", str(wav), "--realtime", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if out.exists() and out.read_text().count('"type": "utterance"') >= 3:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("no utterances journaled within 90 s")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    raw = out.read_text()
    records, problems = read_journal(out)
    # Flushed per event: at most one cut last line, and here normally none.
    assert len(problems) <= 1 and (not problems or not raw.endswith("\n"))
    assert records[0]["type"] == "session"
    assert not any(r["type"] == "summary" for r in records)
    utts = [r for r in records if r["type"] == "utterance"]
    assert len(utts) >= 3
    for r in utts:
        assert r["text"] and r["end"] > r["start"] and r["speaker"] in ("rep", "prospect")
    for line in raw.splitlines()[: len(records)]:
        json.loads(line)
    assert "did not finish cleanly" in render_markdown(load_call(out))
