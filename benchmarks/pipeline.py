"""Benchmark the streaming pipeline against the raw model: WER, latency, speed, memory.

    python -m benchmarks.pipeline [--speech ../shared/speech] [--skip-wer] [--skip-realtime]

Prints figures (no pass/fail): the figures in the issue notes come from here.
- WER of the pipeline (VAD segmentation + worker) vs plain ``WhisperModel.transcribe`` of each clip,
  same model and decoding settings, on the recorded speech in --speech.
- Latency under real-time pacing: p50/p95 of journal ``latency_s`` on a synthesized two-party call,
  and the ratio to the raw model call on the same utterances (timed inside the worker).
- As-fast-as-possible speed on a stereo call (x real time) and peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

from audio.source import FileSource
from audio.synth import load_turns, synthesize_call
from core.config import Config
from core.events import Event, Utterance
from core.machine import describe
from live.compose import build_session
from live.guards import ChannelConfidence
from live.transcriber import Transcriber, Transcription, WhisperTranscriber
from tuning.wer import corpus_wer

ROOT = Path(__file__).resolve().parents[1]


class TimedTranscriber:
    """Wraps the real transcriber and records how long each raw model call took."""

    def __init__(self, inner: WhisperTranscriber) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[tuple[float, float]] = []  # (audio seconds, wall seconds)

    def warm(self) -> float:
        return 0.0  # the inner model was warmed when it was loaded

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        t0 = time.perf_counter()
        out = self.inner.transcribe(audio, channel=channel)
        self.calls.append((audio.size / 16000, time.perf_counter() - t0))
        return out


def run(source: FileSource, transcriber: Transcriber, out: Path, paced: bool) -> list[Event]:
    cfg = Config()
    events: list[Event] = []
    build_session(cfg, source, out, paced=paced, force=True, transcriber=transcriber).run(events.append)
    return events


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def bench_wer(tr: WhisperTranscriber, speech: Path, tmp: Path) -> None:
    from faster_whisper.audio import decode_audio

    rows = [json.loads(x) for x in (speech / "manifest.jsonl").read_text().splitlines()]
    raw_pairs, pipe_pairs = [], []
    raw_s = pipe_s = audio_s = 0.0
    for r in rows:
        f = speech / r["audio"]
        audio = decode_audio(str(f))
        audio_s += audio.size / 16000
        t0 = time.perf_counter()
        segs, _ = tr._model.transcribe(
            audio, beam_size=1, language="en", condition_on_previous_text=False, temperature=0.0
        )
        raw_text = " ".join(s.text.strip() for s in segs)
        raw_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        events = run(FileSource(f), tr, tmp / "wer.jsonl", paced=False)
        pipe_s += time.perf_counter() - t0
        raw_pairs.append((r["text"], raw_text))
        pipe_pairs.append((r["text"], " ".join(e.text for e in events if isinstance(e, Utterance))))
    print(f"WER on {len(rows)} recorded clips ({audio_s / 60:.1f} min):")
    print(
        f"  plain WhisperModel.transcribe: {corpus_wer(raw_pairs) * 100:.2f}%"
        f"  ({audio_s / raw_s:.1f}x real time)"
    )
    print(
        f"  oneup pipeline:                {corpus_wer(pipe_pairs) * 100:.2f}%"
        f"  ({audio_s / pipe_s:.1f}x real time, a fresh pipeline per clip)"
    )
    for cat in sorted({r["category"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["category"] == cat]
        print(
            f"    {cat:<24} raw {corpus_wer([raw_pairs[i] for i in idx]) * 100:5.1f}%"
            f"  pipeline {corpus_wer([pipe_pairs[i] for i in idx]) * 100:5.1f}%  ({len(idx)} clips)"
        )


def demo_call_wav(tmp: Path, repeats: int = 1) -> tuple[Path, float]:
    turns = load_turns(ROOT / "live" / "assets" / "demo_call.json") * repeats
    call = synthesize_call(turns)
    wav = tmp / f"call{repeats}.wav"
    call.write_wav(wav)
    return wav, call.duration_s


def bench_realtime(tr: WhisperTranscriber, tmp: Path) -> None:
    from audio.synth import read_wav

    wav, dur = demo_call_wav(tmp)
    timed = TimedTranscriber(tr)
    events = run(FileSource(wav, realtime=True), timed, tmp / "rt.jsonl", paced=True)
    finals = [e for e in events if isinstance(e, Utterance)]
    lat = [u.latency_s for u in finals]
    # The raw model call on the same utterances: cut each one from the call (with the pipeline's
    # pre-roll and hangover) and time WhisperTranscriber.transcribe alone, the machine otherwise idle.
    stereo, sr = read_wav(wav)
    vad = Config().vad
    raw = []
    for u in finals:
        ch = 0 if u.speaker == "rep" else 1
        a = int((u.start - vad.preroll_ms / 1000) * sr)
        b = int((u.end + 0.15) * sr)
        audio = stereo[max(0, a) : b, ch].astype(np.float32) / 32768
        t0 = time.perf_counter()
        tr.transcribe(audio)
        raw.append(time.perf_counter() - t0)
    partials = len(timed.calls) - len(finals)
    print(
        f"Real-time pacing, synthesized two-party call ({dur:.0f} s, {len(finals)} utterances, "
        f"{partials} partial requests served):"
    )
    print(f"  latency_s p50 {pct(lat, 50):.3f}  p95 {pct(lat, 95):.3f}  max {max(lat):.3f}")
    print(f"  raw model call on the same utterances: p50 {pct(raw, 50):.3f}  p95 {pct(raw, 95):.3f}")
    print(
        f"  p50 latency / p50 raw = {pct(lat, 50) / pct(raw, 50):.2f}x; "
        f"goal p50 <= 1.2 x raw + 50 ms = {1.2 * pct(raw, 50) + 0.05:.3f} s"
    )
    waited = [u.emitted_at - u.end for u in finals]  # call time: the line written, less its speech end
    print(f"  end of speech -> journaled: p50 {pct(waited, 50):.3f}  p95 {pct(waited, 95):.3f} s")


def bench_fast(tr: WhisperTranscriber, tmp: Path) -> None:
    wav, dur = demo_call_wav(tmp, repeats=2)
    t0 = time.perf_counter()
    events = run(FileSource(wav), tr, tmp / "fast.jsonl", paced=False)
    wall = time.perf_counter() - t0
    n = sum(isinstance(e, Utterance) for e in events)
    print(
        f"As fast as possible, stereo call {dur:.0f} s: {wall:.1f} s wall"
        f" = {dur / wall:.1f}x real time ({n} utterances)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speech", type=Path, default=ROOT.parent / "shared" / "speech")
    ap.add_argument("--skip-wer", action="store_true")
    ap.add_argument("--skip-realtime", action="store_true")
    ap.add_argument("--tmp", type=Path, default=Path("/tmp/oneup-bench"))
    args = ap.parse_args()
    print(f"machine: {describe()}", flush=True)
    args.tmp.mkdir(parents=True, exist_ok=True)
    cfg = Config()
    t0 = time.perf_counter()
    tr = WhisperTranscriber(cfg.model)
    warm = tr.warm()
    print(
        f"model {cfg.model.model} {cfg.model.compute_type}, {cfg.model.threads} threads: "
        f"load {time.perf_counter() - t0 - warm:.2f} s, warm-up {warm:.2f} s"
    )
    if not args.skip_wer:
        bench_wer(tr, args.speech, args.tmp)
    bench_fast(tr, args.tmp)
    if not args.skip_realtime:
        bench_realtime(tr, args.tmp)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
