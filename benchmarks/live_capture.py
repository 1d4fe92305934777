"""Live capture soak through the virtual PulseAudio devices: overflows and latency over N minutes.

    ../shared/tools/virtual-audio.sh start
    python -m benchmarks.live_capture --minutes 10

Plays a synthesized two-party call (the demo script, repeated) into virtual_mic_feed and
virtual_speaker with paplay while `oneup live --headless` captures virtual_mic + virtual_loopback,
then prints input overflows, utterances found vs turns played, talk share and latency figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from audio.synth import load_turns, synthesize_call
from core.config import Config
from core.machine import describe

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    print(f"machine: {describe()}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="oneup-live-"))
    turns = load_turns(ROOT / "live" / "assets" / "demo_call.json")
    one = synthesize_call(turns)
    call = synthesize_call(turns * max(1, round(args.minutes * 60 / one.duration_s)))
    rep, pro = tmp / "rep.wav", tmp / "pro.wav"
    call.write_channels(rep, pro)
    out = tmp / "live.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "live",
            "--mic",
            "virtual_mic",
            "--loopback",
            "virtual_loopback",
            "--headless",
            "--duration",
            str(call.duration_s + 3),
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("oneup: listening"):
            break
    t0 = time.monotonic()
    players = [
        subprocess.Popen(["paplay", "--device=virtual_mic_feed", str(rep)]),
        subprocess.Popen(["paplay", "--device=virtual_speaker", str(pro)]),
    ]
    for p in players:
        p.wait()
    proc.communicate()
    wall = time.monotonic() - t0
    records = [json.loads(x) for x in out.read_text().splitlines()]
    summary = records[-1]
    utts = [r for r in records if r["type"] == "utterance"]
    lat = [r["latency_s"] for r in utts]
    found = sum(any(u["start"] < t.end_s and u["end"] > t.start_s for u in utts) for t in call.turns)
    end_silence = Config().vad.end_silence_ms / 1000
    truth = call.talk_time()
    print(f"live capture {call.duration_s / 60:.1f} min ({wall:.0f} s wall), journal {out}")
    print(f"  input overflows: {summary.get('overflows')}   end: {summary.get('end_reason')}")
    print(f"  turns found: {found}/{len(call.turns)}   utterances: {len(utts)}")
    print(f"  rep share {summary['rep_share']:.3f} (truth {truth['rep'] / sum(truth.values()):.3f})")
    print(f"  latency_s p50 {np.percentile(lat, 50):.3f}  p95 {np.percentile(lat, 95):.3f}")
    print(
        f"  end of speech -> on screen p50 ~ {np.percentile(lat, 50) + end_silence:.3f} s "
        f"(latency + {end_silence:.1f} s end-of-utterance silence)"
    )


if __name__ == "__main__":
    main()
