"""Spoken-style training text: speak written lines with espeak-ng, run them through the real
pipeline (VAD, tiny.en) and keep what Whisper heard, errors and all.

The detector only ever sees recognized speech, so it should learn from it. ::

    python -m classifiers.spoken IN.jsonl OUT.jsonl

writes every record of IN with an added ``"asr"`` field. Lines are laid out as one
rep-only (mono) call per batch, 1.2 s apart, with rotating voices and speaking rates,
and ``oneup run`` transcribes it as it would a recording; each recognized utterance is
assigned to the written line it overlaps most.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

VOICES = ("en-us+m3", "en-us+f2", "en+m1", "en-us+m7", "en+f3")
RATES = (150, 165, 175)
BATCH = 120


def _speak_batch(texts: Sequence[str], voice: str, wpm: int, workdir: Path) -> list[str]:
    from audio.synth import Turn, synthesize_call

    turns = [Turn("rep", t, gap_before_s=1.2) for t in texts]
    call = synthesize_call(turns, rep_voice=voice, wpm=wpm)
    wav, journal = workdir / "batch.wav", workdir / "batch.jsonl"
    _write_mono(wav, call.rep)
    journal.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "cli", "run", str(wav), "--out", str(journal), "--force"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"oneup run failed: {proc.stderr.strip()[-500:]}")
    heard: list[list[str]] = [[] for _ in texts]
    for raw in journal.read_text(encoding="utf-8").splitlines():
        rec = json.loads(raw)
        if rec.get("type") != "utterance":
            continue
        overlaps = [max(0.0, min(rec["end"], t.end_s) - max(rec["start"], t.start_s)) for t in call.turns]
        best = max(range(len(overlaps)), key=overlaps.__getitem__)
        if overlaps[best] > 0:
            heard[best].append(rec["text"].strip())
    return [" ".join(h).strip() for h in heard]


def _write_mono(path: Path, samples: object) -> None:
    import wave

    import numpy as np

    data = np.asarray(samples, dtype=np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(data.tobytes())


def add_asr(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """Return the records with ``asr`` (recognized text; "" when Whisper heard nothing)."""
    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="oneup-spoken-") as tmp:
        for b, i in enumerate(range(0, len(records), BATCH)):
            batch = records[i : i + BATCH]
            voice, wpm = VOICES[b % len(VOICES)], RATES[b % len(RATES)]
            heard = _speak_batch([str(r["text"]) for r in batch], voice, wpm, Path(tmp))
            out += [{**r, "asr": h} for r, h in zip(batch, heard, strict=True)]
            print(f"spoken: {len(out)}/{len(records)}", file=sys.stderr, flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m classifiers.spoken", description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    args = ap.parse_args(argv)
    records = [json.loads(line) for line in args.src.read_text(encoding="utf-8").splitlines() if line.strip()]
    done = add_asr(records)
    args.dst.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in done), encoding="utf-8")
    empty = sum(1 for r in done if not r["asr"])
    print(f"spoken: wrote {len(done)} records to {args.dst} ({empty} heard as nothing)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
