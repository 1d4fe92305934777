"""``oneup bench``: measure each model setting on this machine and recommend one.

Whisper pads every chunk to a 30 s window, so each utterance costs a fixed
encoder pass and the right model, compute type and thread count depend on the
machine. Each candidate runs in its own child process (a clean peak RSS, no
shared caches); the parent prints a table and picks the most accurate setting
whose p95 latency fits the budget with CPU to spare for the video call.

Evaluation audio: by default the turns of the bundled demo call, whose script is
known (``live/assets/demo_call.truth.json``), so the benchmark needs no extra
files; ``--eval DIR`` takes a folder with ``manifest.jsonl`` lines
``{"audio": FILE, "text": REFERENCE}`` (such as ../shared/speech).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.config import Config
from live import ASSETS
from live import DEMO_CALL as DEMO_AUDIO

DEMO_TRUTH = ASSETS / "demo_call.truth.json"
LENGTHS = {"short": (1.0, 3.0), "medium": (5.0, 8.0), "long": (14.0, 16.0)}
"""Utterance length classes (s) for the latency figures."""
HEADROOM_RTF = 3.0
"""A setting must run a two-channel call at >= 3x real time: at most a third of the CPU it gets,
the rest stays free for the video call."""


@dataclass(frozen=True)
class Candidate:
    model: str
    compute_type: str
    threads: int
    device: str = "cpu"

    @property
    def label(self) -> str:
        return f"{Path(self.model).name} {self.compute_type} {self.device} {self.threads}t"


@dataclass(frozen=True)
class Result:
    candidate: Candidate
    load_s: float
    latency: dict[str, tuple[float, float]]
    """Length class -> (p50, p95) seconds per utterance."""
    rtf: float
    """Two-channel call through the pipeline: audio seconds per wall second."""
    peak_rss_mb: float
    wer: float
    error: str | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def p95(self) -> float:
        return max(p95 for _p50, p95 in self.latency.values()) if self.latency else float("inf")


# -- evaluation material ---------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
    audio: np.ndarray
    """16 kHz mono float32."""
    text: str


def _decode_mono(path: Path) -> list[np.ndarray]:
    from audio.decode import decode_blocks

    blocks = list(decode_blocks(path))
    return [
        np.concatenate([b[ch] for b in blocks]).astype(np.float32) / 32768 for ch in range(blocks[0].shape[0])
    ]


def demo_clips() -> list[Clip]:
    """Every turn of the bundled demo call with its scripted text (pre-roll/hangover included)."""
    truth = json.loads(DEMO_TRUTH.read_text())
    channels = _decode_mono(DEMO_AUDIO)
    out = []
    for t in truth["turns"]:
        ch = channels[0 if t["speaker"] == "rep" else 1]
        a, b = int(max(0.0, t["start_s"] - 0.24) * 16000), int((t["end_s"] + 0.15) * 16000)
        out.append(Clip(ch[a:b], t["text"]))
    return out


def eval_clips(folder: Path) -> list[Clip]:
    out = []
    for line in (folder / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row.get("text"):
            out.append(Clip(_decode_mono(folder / row["audio"])[0], row["text"]))
    return out


def length_sets(clips: list[Clip], per_class: int = 5) -> dict[str, list[np.ndarray]]:
    """Audio for each length class, cut from or stitched together out of the clips; at least one piece
    per class, the clips repeated when they are shorter (the latency budget is judged on the longest
    class: with none, a small ``--eval`` set failed every setting)."""
    pool = np.concatenate([c.audio for c in clips])
    sets: dict[str, list[np.ndarray]] = {}
    for name, (lo, hi) in LENGTHS.items():
        target = int((lo + hi) / 2 * 16000)
        audio = pool if pool.size >= target else np.tile(pool, -(-target // max(pool.size, 1)))
        count = max(1, min(per_class, audio.size // target))
        sets[name] = [audio[i * target : (i + 1) * target] for i in range(count)]
    return sets


# -- one candidate, in a child process ---------------------------------------------------


def candidate_config(c: Candidate, base: Config) -> Config:
    """The settings a candidate is measured with: the user's (``base``: beam size, window, language,
    VAD, refine pass), with the candidate's model, compute type, threads and device. Measured with
    the defaults instead, a pick saved beside, say, ``beam_size = 5`` was never timed at it. The refine
    pass runs with the candidate, as ``recommend_refine`` assumes."""
    model = replace(
        base.model, model=c.model, compute_type=c.compute_type, threads=c.threads, device=c.device
    )
    # The refine pass with the candidate itself: a saved refine.model is what bench may replace (and
    # a stale one would fail every candidate, so --save could never take it out).
    return replace(base, model=model, refine=replace(base.refine, model=None))


def measure(c: Candidate, clips: list[Clip], reps: int, rtf_seconds: float, per_class: int) -> Result:
    from audio.source import FileSource
    from core.config import resolve_config
    from live.compose import build_session
    from live.transcriber import WhisperTranscriber
    from tuning.wer import corpus_wer

    t0 = time.perf_counter()
    cfg = candidate_config(c, resolve_config())
    tr = WhisperTranscriber(cfg.model)
    load_s = time.perf_counter() - t0
    tr.warm()
    latency = {}
    for name, audios in length_sets(clips, per_class).items():
        times = []
        for _ in range(reps):
            for audio in audios:
                tr.forget_encoded()  # a repeat of the same clip would skip the encoder
                t = time.perf_counter()
                tr.transcribe(audio)
                times.append(time.perf_counter() - t)
        latency[name] = (float(np.percentile(times, 50)), float(np.percentile(times, 95)))
    wer = corpus_wer([(clip.text, tr.transcribe(clip.audio).text) for clip in clips])
    # Two-channel continuous speech through the real pipeline, as fast as possible.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "call.wav"
        _write_call(wav, rtf_seconds)
        t = time.perf_counter()
        build_session(cfg, FileSource(wav), Path(tmp) / "j.jsonl", paced=False, transcriber=tr).run(
            lambda _e: None
        )
        rtf = rtf_seconds / (time.perf_counter() - t)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Result(c, load_s, latency, rtf, rss, wer)


def _write_call(path: Path, seconds: float) -> None:
    import wave

    channels = _decode_mono(DEMO_AUDIO)
    n = min(int(seconds * 16000), channels[0].size)
    stereo = np.stack([ch[:n] for ch in channels], axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((stereo * 32767).astype("<i2").tobytes())


def _child(spec: str) -> None:
    args = json.loads(spec)
    c = Candidate(**args["candidate"])
    clips = eval_clips(Path(args["eval"])) if args["eval"] else demo_clips()
    if args["max_clips"]:
        clips = clips[: args["max_clips"]]
    try:
        r = measure(c, clips, args["reps"], args["rtf_seconds"], args["per_class"])
        print(json.dumps(asdict(r)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as this candidate's result
        print(json.dumps({"error": f"{exc.__class__.__name__}: {exc}"}))


def run_candidate(
    c: Candidate, eval_dir: Path | None, reps: int, rtf_seconds: float, max_clips: int, per_class: int = 5
) -> Result:
    spec = json.dumps(
        {
            "candidate": asdict(c),
            "eval": str(eval_dir) if eval_dir else None,
            "reps": reps,
            "rtf_seconds": rtf_seconds,
            "max_clips": max_clips,
            "per_class": per_class,
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tuning.bench", "--child", spec], capture_output=True, text=True, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    data: dict[str, Any] = (
        json.loads(lines[-1]) if lines else {"error": (proc.stderr.strip().splitlines() or ["crashed"])[-1]}
    )
    if "error" in data and "candidate" not in data:
        return Result(c, 0.0, {}, 0.0, 0.0, 1.0, error=data["error"])
    data["candidate"] = c
    data["latency"] = {k: tuple(v) for k, v in data["latency"].items()}
    return Result(**data)


# -- choosing ----------------------------------------------------------------------------


def recommend(results: list[Result], budget_s: float) -> Result | None:
    """The most accurate setting whose p95 fits the budget with CPU headroom.

    WER is compared at 0.5-point resolution and ties go to the cheaper setting (fewer
    threads, int8), so timing noise between two runs cannot flip the pick.
    """
    ok = [r for r in results if r.error is None and r.p95 <= budget_s and r.rtf >= HEADROOM_RTF]
    if not ok:
        return None
    cost = {"int8": 0, "int8_float16": 1, "int8_float32": 1, "float16": 2, "float32": 3}
    return min(
        ok,
        key=lambda r: (round(r.wer * 200), r.candidate.threads, cost.get(r.candidate.compute_type, 4), r.p95),
    )


REFINE_MIN_RTF = 1.0
"""A refine model must decode a two-channel call at least as fast as it is spoken (it runs in the
live model's idle time, so it may use all of that time, but not more)."""


def recommend_refine(results: list[Result], live: Result) -> Result | None:
    """The most accurate setting that refines faster than real time, when it beats the live model;
    None when the live model is already the best choice (the refine pass then reuses it). Only
    settings with the live pick's compute type, threads and device count: the refine model runs
    with the live model's (``live.compose``), and its speed at 4 threads says nothing of it at 1."""
    same = (live.candidate.compute_type, live.candidate.threads, live.candidate.device)
    ok = [
        r
        for r in results
        if r.error is None
        and r.rtf >= REFINE_MIN_RTF
        and (r.candidate.compute_type, r.candidate.threads, r.candidate.device) == same
    ]
    if not ok:
        return None
    best = min(ok, key=lambda r: (round(r.wer * 200), -r.rtf))
    if best.candidate.model == live.candidate.model or round(best.wer * 200) >= round(live.wer * 200):
        return None
    return best


def candidates(models: list[str], quick: bool, device: str) -> list[Candidate]:
    cores = os.cpu_count() or 2
    threads = sorted({1, min(2, cores)} if quick else {1, 2, min(4, cores), cores})
    types = ["int8_float16", "float16"] if device == "cuda" else ["int8", "float32"]
    out = []
    for m in models:
        for ct in types:
            for t in threads if device == "cpu" else [1]:
                if quick and ct == types[1] and t != max(threads):
                    continue  # quick: the second compute type only at the most threads
                out.append(Candidate(m, ct, t, device))
    return out


def table(results: list[Result]) -> str:
    head = (
        f"{'setting':<28} {'load':>5} {'short p50/p95':>14} {'medium p50/p95':>15} {'long p50/p95':>14} "
        f"{'RTF':>5} {'RSS MB':>7} {'WER':>6}"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        if r.error:
            rows.append(f"{r.candidate.label:<28} error: {r.error}")
            continue
        lat = " ".join(
            f"{r.latency[k][0]:.2f}/{r.latency[k][1]:.2f}".rjust(w)
            for k, w in (("short", 14), ("medium", 15), ("long", 14))
        )
        rows.append(
            f"{r.candidate.label:<28} {r.load_s:5.2f} {lat} {r.rtf:5.1f} {r.peak_rss_mb:7.0f} "
            f"{r.wer * 100:5.1f}%"
        )
    return "\n".join(rows)


def run_bench(
    models: list[str],
    *,
    quick: bool,
    budget_s: float,
    eval_dir: Path | None,
    device: str,
    progress: Callable[[int, int, str], None],
) -> tuple[list[Result], Result | None]:
    cands = candidates(models, quick, device)
    results = []
    for i, c in enumerate(cands):
        progress(i, len(cands), c.label)
        results.append(
            run_candidate(
                c,
                eval_dir,
                reps=1 if quick else 3,
                rtf_seconds=20.0 if quick else 120.0,
                max_clips=6 if quick else 0,
                per_class=2 if quick else 5,
            )
        )
    progress(len(cands), len(cands), "done")
    return results, recommend(results, budget_s)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--child":
    _child(sys.argv[2])
