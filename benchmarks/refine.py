"""The refine pass, measured: ``python -m benchmarks.refine [--clips N] [--latency]``.

Prints, side by side on the same audio, the WER of the live text, of the refined (saved)
text, and of offline faster-whisper on the whole file (its defaults: beam 5, 30 s windows,
temperature fallback), for:
- read: recorded clips of ../shared/speech concatenated with 1.5 s gaps (a call-like stream);
- noisy: the same clips mixed with babble of other speakers at 0 dB SNR;
- dialogue: ../shared/speech/conversation/conversation_azure_katiesteve*.flac (real two-party speech, mono);
- synth call: the demo call's script synthesized on two channels (espeak-ng), per channel.
``--latency`` adds live latency p50/p95 at real-time pace on the demo call, refinement on and
off, with the CPU seconds and the peak RSS of each run (each run in a child process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from audio.decode import decode_blocks
from audio.synth import load_turns, synthesize_call
from calls.store import load_call
from core.machine import describe
from tuning.wer import corpus_wer

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT.parent / "shared" / "speech"


def _load(path: Path) -> np.ndarray:
    return np.concatenate(list(decode_blocks(path)), axis=1)


def _write(path: Path, channels: list[np.ndarray]) -> None:
    n = max(c.size for c in channels)
    data = np.stack([np.pad(c, (0, n - c.size)) for c in channels], axis=1).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(data.tobytes())


def _concat(pieces: list[np.ndarray], gap_s: float = 1.5) -> np.ndarray:
    gap = np.zeros(int(gap_s * 16000))
    return np.concatenate([x for p in pieces for x in (p.astype(np.float64), gap)])


def _run(wav: Path, out: Path, refine: bool, flags: Sequence[str] = ()) -> None:
    cmd = [sys.executable, "-m", "cli", "run", str(wav), "--out", str(out), "--force", *flags]
    if not refine:
        cmd.append("--no-refine")
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)


def _texts(journal: Path, speaker: str) -> tuple[str, str]:
    """(live text, refined text) of one speaker, in call order."""
    lines = [x for x in load_call(journal).lines if x.speaker == speaker]
    live = " ".join(x.live_text if x.live_text is not None else x.text for x in lines)
    return live, " ".join(x.text for x in lines)


def _offline(model: object, audio: np.ndarray) -> str:
    import ctranslate2

    from live.transcriber import SEED

    ctranslate2.set_random_seed(SEED)  # temperature fallback samples: the same reference every run
    segments, _ = model.transcribe((audio / 32768).astype(np.float32), language="en")  # type: ignore[attr-defined]
    return " ".join(s.text.strip() for s in segments)


def wer_table(clips: int, tmp: Path, flags: Sequence[str] = ()) -> None:
    from faster_whisper import WhisperModel

    from live.transcriber import resolve_model

    model = WhisperModel(resolve_model("tiny.en"), device="cpu", compute_type="int8", cpu_threads=2)
    rows = [json.loads(x) for x in (SPEECH / "manifest.jsonl").read_text().splitlines()][:clips]
    audio = [_load(SPEECH / r["audio"])[0] for r in rows]
    ref = " ".join(r["text"] for r in rows)
    babble_src = [_load(SPEECH / r["audio"])[0] for r in rows[-5:]]
    sets: list[tuple[str, list[np.ndarray], list[str]]] = []
    read = _concat(audio)
    sets.append(("read", [read], [ref]))
    noisy = []
    for i, a in enumerate(audio[:10]):
        noise = sum(np.resize(b, a.size).astype(np.float64) for j, b in enumerate(babble_src) if j != i % 5)
        scale = np.sqrt(np.mean(a.astype(np.float64) ** 2) / max(np.mean(noise**2), 1e-9))
        mix = a + noise * scale
        noisy.append(mix * min(1.0, 30000 / np.max(np.abs(mix))))
    sets.append(("noisy 0 dB", [_concat(noisy)], [" ".join(r["text"] for r in rows[:10])]))
    conv = SPEECH / "conversation"
    manifest = {
        json.loads(x)["audio"]: json.loads(x) for x in (conv / "manifest.jsonl").read_text().splitlines()
    }
    dialogue = [
        n
        for n in ("conversation_azure_katiesteve.flac", "conversation_azure_katiesteve_mono.flac")
        if n in manifest
    ]
    sets.append(
        (
            "dialogue",
            [_concat([_load(conv / n)[0] for n in dialogue])],
            [" ".join(manifest[n]["text"] for n in dialogue)],
        )
    )
    call = synthesize_call(load_turns(ROOT / "live" / "assets" / "demo_call.json"))
    by = {s: " ".join(t.text for t in call.turns if t.speaker == s) for s in ("rep", "prospect")}
    sets.append(
        (
            "synth call",
            [call.rep.astype(np.float64), call.prospect.astype(np.float64)],
            [by["rep"], by["prospect"]],
        )
    )

    print(f"{'set':<12} {'audio':>7} {'live WER':>9} {'refined':>8} {'offline':>8}  revised")
    for name, channels, refs in sets:
        wav = tmp / "set.wav"
        _write(wav, channels)
        out = tmp / "set.jsonl"
        _run(wav, out, refine=True, flags=flags)
        speakers = ["rep", "prospect"][: len(channels)]
        pairs = [(refs[i], _texts(out, s)) for i, s in enumerate(speakers)]
        live = corpus_wer([(r, t[0]) for r, t in pairs])
        refined = corpus_wer([(r, t[1]) for r, t in pairs])
        offline = corpus_wer([(refs[i], _offline(model, c)) for i, c in enumerate(channels)])
        revised = sum(1 for x in load_call(out).lines if x.live_text is not None)
        total = len(load_call(out).lines)
        seconds = max(c.size for c in channels) / 16000
        print(
            f"{name:<12} {seconds:6.0f}s {live * 100:8.2f}% {refined * 100:7.2f}% {offline * 100:7.2f}%"
            f"  {revised}/{total}"
        )


_WAIT4 = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"  # stderr: the reason of a failure
    "_, status, u = os.wait4(p.pid, 0)\n"
    "print(u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
    "sys.exit(1 if status else 0)\n"
)


def latency(tmp: Path) -> None:
    call = synthesize_call(load_turns(ROOT / "live" / "assets" / "demo_call.json"))
    wav = tmp / "demo.wav"
    call.write_wav(wav)
    print(f"live latency at real-time pace, demo call ({call.duration_s:.0f} s), two channels:")
    for refine in (False, True):
        out = tmp / f"rt{refine}.jsonl"
        cmd = [sys.executable, "-m", "cli", "run", str(wav), "--realtime", "--out", str(out), "--force"]
        if not refine:
            cmd.append("--no-refine")
        t0 = time.perf_counter()
        # Through a small fresh parent: a child forked from this process (which holds a model) would
        # report this process's RSS as its own peak (wait4's ru_maxrss counts the pre-exec image).
        probe = subprocess.run([sys.executable, "-c", _WAIT4, *cmd], capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t0
        if probe.returncode != 0:
            raise RuntimeError(f"oneup run failed: {probe.stderr[-300:]}")
        cpu, peak_kb = (float(x) for x in probe.stdout.split())
        recs = [json.loads(x) for x in out.read_text().splitlines()]
        lat = [r["latency_s"] for r in recs if r["type"] == "utterance"]
        revs = sum(r["type"] == "revision" for r in recs)
        print(
            f"  refine {'on ' if refine else 'off'}: latency p50 {np.percentile(lat, 50):.3f} s, "
            f"p95 {np.percentile(lat, 95):.3f} s · CPU {cpu:.1f} s ({cpu / call.duration_s:.2f} CPU-s "
            f"per audio s) · peak RSS {peak_kb / 1024:.0f} MB · "
            f"wall {wall:.0f} s · {revs} revisions"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.refine", description=__doc__)
    ap.add_argument("--clips", type=int, default=30, help="recorded clips in the read set (default 30)")
    ap.add_argument("--latency", action="store_true", help="also live latency with refine on/off (~6 min)")
    ap.add_argument("--flags", default="", help='extra flags for every oneup run, e.g. "--phrase-pause-ms 0"')
    args = ap.parse_args(argv)
    print(f"machine: {describe()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        wer_table(args.clips, Path(tmp), args.flags.split())
        if args.latency:
            latency(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
