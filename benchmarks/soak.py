"""Soak and resource benchmarks: long calls through the real ``oneup run``, memory, drops, latency.

    python -m benchmarks.soak                      # all three parts, full size (about 1 h 30 on 2 cores)
    python -m benchmarks.soak --short              # CI size: 3-min fast soak, 1-min realtime, 30-min file
    python -m benchmarks.soak --part fast --fast-minutes 60
    python -m benchmarks.soak --part realtime --realtime-minutes 10
    python -m benchmarks.soak --part long --long-minutes 180

Prints figures (the table at the end goes in the issue notes); exits 1 when a check fails.
Parts:
- ``fast``: a synthesized two-channel call (a pool of ~40 espeak-ng turns, varied gaps, rep
  monologues up to ~20 s, silences of 30-60 s) through ``oneup run`` as fast as possible.
- ``realtime``: the same kind of call with ``--realtime`` (wall-clock pacing, like a live call).
- ``long``: a mostly silent call (a turn every ~2 minutes) of ``--long-minutes``, compared with a
  ``--baseline-minutes`` one: peak RSS must not grow with the file's length (streaming decode).
For each run: wall time, x real time, RSS after warm-up vs at the end (sampled every 0.1 s from
``/proc/PID/status`` of the ``oneup`` process), every ground-truth turn matched in the journal by time
overlap (missing turns listed), utterances matching no turn, WER of the matched text, and
``latency_s`` p50/p95 per 10-minute window of call time. Memory figures: "RSS end" is the
maximum of the sampled RSS over the last fifth of the run, "RSS warm" the maximum from warm-up
until then ("growth" = end - warm), "peak" the process's own peak RSS (VmHWM, sampled every 0.1 s),
"pk grw" the peak's growth after warm-up.
Call audio is written incrementally, so the generator never holds a whole call either.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.machine import describe

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    """Minutes of each part: the fast soak, the realtime one, the long file and its baseline."""

    fast: float
    realtime: float
    long: float
    baseline: float


SHORT = Sizes(fast=3.0, realtime=1.0, long=30.0, baseline=3.0)
"""The CI sizes (``--short``, and ``tests/reliability/test_rel_soak.py``)."""

SR = 16_000
WINDOW_S = 600.0
"""Latency windows: 10 minutes of call time."""
MATCH_TOL_S = 0.3
"""A journal utterance matches a ground-truth turn when their spans overlap within this tolerance."""
RSS_GROWTH_LIMIT_MB = 50.0
"""Sampled RSS, and a paced run's peak RSS (VmHWM), may grow by less than this after warm-up."""
FILE_PEAK_LIMIT_MB = 100.0
"""A file run's peak RSS may grow by less than this after warm-up. It skips the warm-up decodes
(``live/compose.py``), so it allocates the model's larger buffers when its audio first needs them:
the first refine window (+70-110 MB of peak), then the first full-window second look or
fallback-temperature decode, which may come at any point of the call (+0 to +58 MB after the middle
of the 3-minute call in 13 runs on Dec 5, Intel Xeon; the sampled RSS grew 0-1 MB in the same runs)."""
LONG_PEAK_LIMIT_MB = 30.0
"""The long file's peak RSS may exceed the baseline file's (and its own warm-up RSS) by less than this."""

REP_LINES = (
    "Thanks for making the time today, I know your week is busy.",
    "How was the conference last week, did you get anything useful out of it?",
    "Let me tell you a little about our company and why customers choose us.",
    "We have been in business for eleven years and we work with over four hundred warehouses.",
    "What would you say are the biggest challenges with your scheduling right now?",
    "What is that costing you every month in overtime?",
    "Our platform predicts who will call in sick and offers open shifts by text message.",
    "Let me show you a quick demo of the dashboard.",
    "What we are seeing across the industry is that order volume swings much more than it used to.",
    "Most teams your size find that the schedule is wrong by Tuesday.",
    "That usually shows up as overtime and missed shipping cutoffs.",
    "The companies that handle this well plan labor by the hour, not by the week.",
    "I would recommend bringing your finance lead into the next conversation.",
    "Would it help if I sent you a short summary after this call?",
    "Whatever works best for you, we are flexible on timing.",
    "I really think you would love working with us.",
    "Labor costs rose sharply this year across the whole region.",
    "Your supervisors probably spend hours on the phone filling gaps.",
    "The first step is usually a two week pilot on one shift.",
    "Who else should be part of this decision on your side?",
    "Sure, that makes sense, take your time.",
    "We saw the same pattern at three distribution centers last quarter.",
    "If the pilot works, the rollout takes about six weeks.",
    "Does that match what you see on your floor?",
)
PROSPECT_LINES = (
    "Sure, happy to talk.",
    "Honestly the reporting is slow and nobody trusts the numbers.",
    "That is exactly what happened in November.",
    "We already have a labor module in our warehouse system.",
    "Maybe later, I only have a few minutes today.",
    "Our team leads are exhausted by the end of the week.",
    "How much does something like this cost?",
    "I would need to run it by my director first.",
    "We tried a tool like this two years ago and it did not stick.",
    "Mondays are the worst, one in six pickers does not show up.",
    "Send me something in writing and I will take a look.",
    "That is interesting, I had not thought about it that way.",
    "We are mostly worried about the busy season.",
    "Our finance team keeps asking about overtime.",
    "Okay, I can set up a meeting for next Tuesday.",
    "Can you walk me through how the pilot would work?",
)


@dataclass(frozen=True)
class TruthTurn:
    speaker: str
    text: str
    start_s: float
    end_s: float


@dataclass
class RunFigures:
    """What one ``oneup run`` measured."""

    name: str
    audio_s: float
    wall_s: float
    exit_code: int
    stderr_tail: str
    end_reason: str | None
    turns: int
    utterances: int
    missing: list[TruthTurn]
    extra: list[dict[str, object]]
    wer: float
    rss_warm_mb: float
    rss_end_mb: float
    peak_rss_mb: float
    latency_windows: list[tuple[int, int, float, float]]
    """(window index, utterances, p50, p95) per 10 minutes of call time."""
    peak_growth_mb: float = float("nan")
    """Peak RSS at the end minus the peak (VmHWM) once warmed up: robust to the per-call swings."""
    warm_hwm_mb: float = float("nan")
    """The peak (VmHWM) once warmed up: what the process had already needed then."""
    paced: bool = False
    """``--realtime``: the model's warm-up decodes ran before the call (see ``FILE_PEAK_LIMIT_MB``)."""
    samples: list[tuple[float, float]] = field(default_factory=list, repr=False)
    """(wall s since start, RSS MB) every 0.1 s."""

    @property
    def x_real_time(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s else float("nan")

    @property
    def rss_growth_mb(self) -> float:
        """RSS at the end over the most it reached after warm-up, and over its warm-up peak: memory
        back at a level the process already held is no growth. (The samples after warm-up of a
        1-minute paced run can miss every refine window, while its last seconds hold the call's
        closing refine windows: CI saw "grew 52 MB" with the peak up 2 MB.)"""
        seen = self.rss_warm_mb if math.isnan(self.warm_hwm_mb) else max(self.rss_warm_mb, self.warm_hwm_mb)
        return self.rss_end_mb - seen


# -- synthesis --------------------------------------------------------------------------------------


def _clip(text: str, speaker: str) -> np.ndarray:
    from audio.synth import PROSPECT_VOICE, REP_VOICE, synthesize_turn

    return synthesize_turn(text, REP_VOICE if speaker == "rep" else PROSPECT_VOICE)


class StereoWavWriter:
    """Writes a 16 kHz stereo int16 WAV block by block (ch0 rep, ch1 prospect)."""

    def __init__(self, path: Path) -> None:
        self._w = wave.open(str(path), "wb")  # noqa: SIM115 - closed by close()
        self._w.setnchannels(2)
        self._w.setsampwidth(2)
        self._w.setframerate(SR)
        self.samples = 0
        self._zeros = np.zeros((SR * 10, 2), dtype="<i2")

    def silence(self, seconds: float) -> None:
        n = round(seconds * SR)
        while n > 0:
            k = min(n, self._zeros.shape[0])
            self._w.writeframes(self._zeros[:k].tobytes())
            self.samples += k
            n -= k

    def speech(self, speaker: str, clip: np.ndarray) -> tuple[float, float]:
        block = np.zeros((clip.size, 2), dtype="<i2")
        block[:, 0 if speaker == "rep" else 1] = clip
        start = self.samples / SR
        self._w.writeframes(block.tobytes())
        self.samples += clip.size
        return start, self.samples / SR

    def close(self) -> None:
        self._w.close()


def synthesize_pool() -> None:
    """Synthesize every pool line once (cached by ``audio.synth``), e.g. before using threads."""
    for text in REP_LINES:
        _clip(text, "rep")
    for text in PROSPECT_LINES:
        _clip(text, "prospect")


def _monologue(rng: random.Random, limit_s: float = 20.0) -> tuple[str, np.ndarray]:
    """Several rep lines joined by short breaths (below end_silence_ms): one long turn."""
    breath = np.zeros(round(0.25 * SR), dtype=np.int16)
    texts: list[str] = []
    parts: list[np.ndarray] = []
    total = 0.0
    for text in rng.sample(REP_LINES, len(REP_LINES)):
        clip = _clip(text, "rep")
        if texts and total + clip.size / SR + 0.25 > limit_s:
            break
        if parts:
            parts.append(breath)
        parts.append(clip)
        texts.append(text)
        total = sum(p.size for p in parts) / SR
    return " ".join(texts), np.concatenate(parts)


def write_conversation(path: Path, minutes: float, seed: int = 7) -> list[TruthTurn]:
    """A varied two-party call of about ``minutes``: turns, monologues and long silences."""
    rng = random.Random(seed)
    w = StereoWavWriter(path)
    truth: list[TruthTurn] = []
    w.silence(1.0)
    speaker = "rep"
    limit = minutes * 60
    try:
        while w.samples / SR < limit - 25:
            r = rng.random()
            room = limit - 25 - w.samples / SR
            if r < 0.04 and room > 40:
                w.silence(rng.uniform(30, min(60.0, room)))
            elif r < 0.12:
                speaker = "rep"
                text, clip = _monologue(rng)
                start, end = w.speech("rep", clip)
                truth.append(TruthTurn("rep", text, start, end))
                w.silence(rng.uniform(0.7, 2.5))
                continue
            pool = REP_LINES if speaker == "rep" else PROSPECT_LINES
            text = rng.choice(pool)
            start, end = w.speech(speaker, _clip(text, speaker))
            truth.append(TruthTurn(speaker, text, start, end))
            w.silence(rng.uniform(0.4, 3.0) if rng.random() < 0.9 else rng.uniform(3.0, 8.0))
            if rng.random() < 0.8:
                speaker = "prospect" if speaker == "rep" else "rep"
        w.silence(max(2.0, limit - w.samples / SR))
    finally:
        w.close()
    return truth


def write_sparse(path: Path, minutes: float, every_s: float = 120.0, seed: int = 11) -> list[TruthTurn]:
    """Mostly silence, one turn about every ``every_s`` seconds (alternating speakers)."""
    rng = random.Random(seed)
    w = StereoWavWriter(path)
    truth: list[TruthTurn] = []
    limit = minutes * 60
    speaker = "rep"
    try:
        w.silence(rng.uniform(5, 20))
        while w.samples / SR < limit - every_s / 2:
            pool = REP_LINES if speaker == "rep" else PROSPECT_LINES
            text = rng.choice(pool)
            start, end = w.speech(speaker, _clip(text, speaker))
            truth.append(TruthTurn(speaker, text, start, end))
            w.silence(rng.uniform(every_s * 0.8, every_s * 1.2))
            speaker = "prospect" if speaker == "rep" else "rep"
        w.silence(max(1.0, limit - w.samples / SR))
    finally:
        w.close()
    return truth


# -- running ----------------------------------------------------------------------------------------


def _rss_mb(pid: int) -> tuple[float, float] | None:
    """(VmRSS, VmHWM) in MB, or None once the process is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    vals = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            vals[key] = int(rest.split()[0]) / 1024
    if "VmRSS" not in vals:
        return None
    return vals["VmRSS"], vals.get("VmHWM", vals["VmRSS"])


def _journal_records(path: Path) -> list[dict[str, object]]:
    from core.journal import read_journal

    if not path.exists():
        return []
    return read_journal(path)[0]


def _call_time_progress(path: Path, offset: int) -> tuple[float | None, int]:
    """End (call time) of the last utterance appended since ``offset``; the new offset."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            chunk = fh.read()
    except OSError:
        return None, offset
    cut = chunk.rfind(b"\n")
    if cut < 0:
        return None, offset
    last = None
    for line in chunk[: cut + 1].splitlines():
        if b'"utterance"' in line:
            with contextlib.suppress(ValueError, KeyError):
                last = float(json.loads(line)["end"])
    return last, offset + cut + 1


def run_oneup(
    name: str,
    wav: Path,
    truth: Sequence[TruthTurn],
    out: Path,
    *,
    realtime: bool = False,
    warm_s: float = 60.0,
    timeout_s: float | None = None,
    extra_args: Sequence[str] = (),
) -> RunFigures:
    """Run ``oneup run`` on ``wav`` as a subprocess, sample its RSS every 0.1 s, score the journal.

    ``warm_s``: call time after which RSS counts as "after warm-up" (first sample once the journal
    has reached that point; the model and detector are loaded long before).
    """
    with wave.open(str(wav), "rb") as w:
        audio_s = w.getnframes() / SR
    cmd = [sys.executable, "-m", "cli", "run", str(wav), "--out", str(out), "--force", *extra_args]
    if realtime:
        cmd.append("--realtime")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float, float, float]] = []
    done = threading.Event()

    def sample() -> None:
        # Every 0.1 s: VmHWM is monotonic, so the peak is missed by at most the last tenth of a
        # second (process teardown); the journal's progress is read every 0.2 s (a fast run covers
        # 25 s of call time a second on a fast machine).
        offset, progress, tick = 0, -1.0, 0
        while not done.is_set():
            got = _rss_mb(proc.pid)  # None once the process is a zombie
            if got is not None:
                if tick % 2 == 0:
                    last, offset = _call_time_progress(out, offset)
                    progress = progress if last is None else last
                samples.append((time.monotonic() - t0, got[0], got[1], progress))
            tick += 1
            done.wait(0.1)

    def read_stderr() -> None:
        err.append(proc.stderr.read() if proc.stderr else "")

    err: list[str] = []
    threads = [threading.Thread(target=f, daemon=True) for f in (sample, read_stderr)]
    for t in threads:
        t.start()
    killer = threading.Timer(timeout_s, proc.kill) if timeout_s else None
    if killer:
        killer.start()
    # Not wait4's ru_maxrss: Linux carries the forked parent's RSS into the child's maxrss across
    # exec, so inside a big test process it reports the parent, not oneup. The child's own VmHWM
    # (high-water mark), sampled every 0.1 s, is the peak.
    proc.wait()
    done.set()
    if killer:
        killer.cancel()
    for t in threads:
        t.join(5)
    peak_mb = max((h for _, _, h, _ in samples), default=float("nan"))
    stderr = err[0] if err else ""
    wall = time.monotonic() - t0
    records = _journal_records(out)
    utts = [r for r in records if r.get("type") == "utterance"]
    summary = next((r for r in records if r.get("type") == "summary"), None)
    missing, extra, wer = score(truth, utts)
    warm_mb, end_mb = rss_early_late([(t, r, p) for t, r, _, p in samples], warm_s)
    warm_hwm = next((h for _, _, h, p in samples if p >= warm_s), float("nan"))
    return RunFigures(
        name=name,
        audio_s=audio_s,
        wall_s=wall,
        exit_code=proc.returncode,
        stderr_tail=stderr.strip()[-500:],
        end_reason=str(summary["end_reason"]) if summary else None,
        turns=len(truth),
        utterances=len(utts),
        missing=missing,
        extra=extra,
        wer=wer,
        rss_warm_mb=warm_mb,
        rss_end_mb=end_mb,
        peak_rss_mb=peak_mb,
        latency_windows=latency_windows(utts),
        peak_growth_mb=peak_mb - warm_hwm,
        warm_hwm_mb=warm_hwm,
        paced=realtime,
        samples=[(t, r) for t, r, _, _ in samples],
    )


def rss_early_late(samples: Sequence[tuple[float, float, float]], warm_s: float) -> tuple[float, float]:
    """RSS after warm-up and RSS at the end of the run, from (wall, RSS, call-time progress) samples.

    Samples count once the journal reached ``warm_s`` of call time (or its first utterance). RSS
    swings by ~50 MB with each model call, so both figures are maxima: "end" over the last fifth
    of those samples (at least 5), "after warm-up" over all the samples before it. A leak shows up
    as the end exceeding everything seen before.
    """
    post = [r for _, r, p in samples if p >= warm_s] or [r for _, r, p in samples if p >= 0]
    if not post:
        return float("nan"), float("nan")
    k = max(5, len(post) // 5)
    before = post[:-k] or post[:1]
    return max(before), max(post[-k:])


def score(
    truth: Sequence[TruthTurn], utts: Sequence[dict[str, object]]
) -> tuple[list[TruthTurn], list[dict[str, object]], float]:
    """Missing turns, utterances overlapping no turn, and WER over the matched groups."""
    from tuning.wer import edit_distance, normalize

    def overlaps(t: TruthTurn, u: dict[str, object]) -> bool:
        return (
            u["speaker"] == t.speaker
            and float(u["start"]) < t.end_s + MATCH_TOL_S  # type: ignore[arg-type]
            and float(u["end"]) > t.start_s - MATCH_TOL_S  # type: ignore[arg-type]
        )

    by_speaker: dict[str, list[dict[str, object]]] = {}
    for u in utts:
        by_speaker.setdefault(str(u["speaker"]), []).append(u)
    hits: dict[int, list[int]] = {}
    used: set[int] = set()
    missing: list[TruthTurn] = []
    index = {id(u): i for i, u in enumerate(utts)}
    for ti, t in enumerate(truth):
        found = [index[id(u)] for u in by_speaker.get(t.speaker, []) if overlaps(t, u)]
        hits[ti] = found
        used.update(found)
        if not found:
            missing.append(t)
    extra = [u for i, u in enumerate(utts) if i not in used]
    # WER over connected groups of turns and utterances (keeps the edit distance small).
    edits = words = 0
    seen: set[int] = set()
    for ti in range(len(truth)):
        if ti in seen or not hits[ti]:
            continue
        group_t, group_u = {ti}, set(hits[ti])
        for tj in range(ti + 1, min(len(truth), ti + 6)):
            if set(hits[tj]) & group_u:
                group_t.add(tj)
                group_u.update(hits[tj])
        seen |= group_t
        ref = normalize(" ".join(truth[i].text for i in sorted(group_t)))
        hyp = normalize(" ".join(str(utts[i]["text"]) for i in sorted(group_u)))
        edits += edit_distance(ref, hyp)
        words += len(ref)
    for t in missing:
        words += len(normalize(t.text))
        edits += len(normalize(t.text))
    return missing, extra, edits / max(1, words)


def latency_windows(utts: Sequence[dict[str, object]]) -> list[tuple[int, int, float, float]]:
    rows: dict[int, list[float]] = {}
    for u in utts:
        rows.setdefault(int(float(u["start"]) // WINDOW_S), []).append(float(u["latency_s"]))  # type: ignore[arg-type]
    return [
        (w, len(v), float(np.percentile(v, 50)), float(np.percentile(v, 95))) for w, v in sorted(rows.items())
    ]


# -- parts ------------------------------------------------------------------------------------------


def conversation_run(workdir: Path, minutes: float, realtime: bool) -> RunFigures:
    kind = "realtime" if realtime else "fast"
    wav = workdir / f"{kind}-{minutes:g}min.wav"
    truth = write_conversation(wav, minutes, seed=7 if not realtime else 8)
    _write_truth(wav, truth)
    # Half the call, at most 2 minutes: a file run skips the model's warm-up decodes (live/compose.py),
    # so its first refine window (the largest decode, ~75-110 MB more peak RSS) comes once each
    # channel has ~28 s of speech. At a fifth of a 3-minute call (36 s) that window sometimes came
    # after the mark on a fast machine, and read as growth (CI on Dec 5: +96 MB).
    warm = min(120.0, minutes * 60 * 0.5)
    return run_oneup(
        f"{kind} {minutes:g} min", wav, truth, workdir / f"{kind}.jsonl", realtime=realtime, warm_s=warm
    )


def long_runs(workdir: Path, minutes: float, baseline_minutes: float) -> tuple[RunFigures, RunFigures]:
    """(baseline, long): the same sparse call shape at two lengths."""
    figs = []
    for m in (baseline_minutes, minutes):
        wav = workdir / f"sparse-{m:g}min.wav"
        truth = write_sparse(wav, m)
        _write_truth(wav, truth)
        figs.append(
            run_oneup(
                f"sparse {m:g} min", wav, truth, workdir / f"sparse-{m:g}.jsonl", warm_s=min(300.0, m * 6)
            )
        )
        wav.unlink()
    return figs[0], figs[1]


def _write_truth(wav: Path, truth: Sequence[TruthTurn]) -> None:
    wav.with_suffix(".truth.json").write_text(json.dumps([asdict(t) for t in truth]) + "\n")


def checks(f: RunFigures, growth: bool = True) -> list[str]:
    """Failed checks for one run (empty = all good); ``growth``: check RSS growth after warm-up."""
    bad = []
    if f.exit_code != 0:
        bad.append(f"{f.name}: exit code {f.exit_code}: {f.stderr_tail}")
    if f.end_reason != "end of audio":
        bad.append(f"{f.name}: end_reason {f.end_reason!r}")
    if f.missing:
        bad.append(f"{f.name}: {len(f.missing)} of {f.turns} turns missing from the journal")
    if growth and not f.rss_growth_mb < RSS_GROWTH_LIMIT_MB:
        bad.append(f"{f.name}: RSS grew {f.rss_growth_mb:.0f} MB after warm-up")
    if growth and f.peak_growth_mb >= (RSS_GROWTH_LIMIT_MB if f.paced else FILE_PEAK_LIMIT_MB):
        bad.append(f"{f.name}: peak RSS grew {f.peak_growth_mb:.0f} MB after warm-up")
    return bad


def bounded_memory_failures(base: RunFigures, big: RunFigures) -> list[str]:
    """The long file must not need more memory than the short one.

    Compared: the peak RSS of both runs (their own VmHWM), and the long run's own peak after
    warm-up vs at its end (a buffer growing with the audio shows there). Sampled RSS is not
    compared here: on a mostly silent call it depends on whether a model call was running at
    that second (swings of ~50 MB).
    """
    bad = []
    if not big.peak_rss_mb - base.peak_rss_mb < LONG_PEAK_LIMIT_MB:
        bad.append(
            f"{big.name}: peak RSS {big.peak_rss_mb:.0f} MB vs {base.peak_rss_mb:.0f} MB for {base.name}: "
            "grows with file length"
        )
    if big.peak_growth_mb >= LONG_PEAK_LIMIT_MB:
        bad.append(f"{big.name}: peak RSS grew {big.peak_growth_mb:.0f} MB between warm-up and the end")
    return bad


def _fmt_windows(f: RunFigures) -> Iterator[str]:
    rows = f.latency_windows
    if len(rows) > 8:  # long sparse files: one line
        p50s, p95s = [r[2] for r in rows], [r[3] for r in rows]
        yield (
            f"    {f.name:<18} {len(rows)} windows, n={sum(r[1] for r in rows)}: latency_s p50 "
            f"{min(p50s):.3f}-{max(p50s):.3f}  p95 {min(p95s):.3f}-{max(p95s):.3f}"
        )
        return
    for w, n, p50, p95 in rows:
        lo, hi = w * WINDOW_S / 60, (w + 1) * WINDOW_S / 60
        yield f"    {f.name:<18} {lo:3.0f}-{hi:<3.0f} min  n={n:<4} latency_s p50 {p50:6.3f}  p95 {p95:6.3f}"


def print_table(figs: Sequence[RunFigures], long_pair: tuple[RunFigures, RunFigures] | None) -> None:
    head = (
        f"{'run':<18} {'audio':>7} {'wall':>7} {'x RT':>6} {'turns':>6} {'utts':>5} {'miss':>5} "
        f"{'extra':>5} {'WER':>6} {'RSS warm':>9} {'RSS end':>8} {'growth':>7} {'peak':>6} {'pk grw':>6}"
    )
    print("\n" + head)
    print("-" * len(head))
    for f in figs:
        print(
            f"{f.name:<18} {f.audio_s / 60:6.1f}m {f.wall_s:6.0f}s {f.x_real_time:6.2f} {f.turns:>6} "
            f"{f.utterances:>5} {len(f.missing):>5} {len(f.extra):>5} {f.wer * 100:5.1f}% "
            f"{f.rss_warm_mb:8.0f}M {f.rss_end_mb:7.0f}M {f.rss_growth_mb:+6.0f}M {f.peak_rss_mb:5.0f}M "
            f"{f.peak_growth_mb:+5.0f}M"
        )
    print("\nlatency per 10-minute window of call time:")
    for f in figs:
        for line in _fmt_windows(f):
            print(line)
    if long_pair is not None:
        base, big = long_pair
        print(
            f"\nbounded memory: {big.audio_s / 3600:.2f} h file vs {base.audio_s / 60:.0f} min file: "
            f"peak RSS {big.peak_rss_mb:.0f} vs {base.peak_rss_mb:.0f} MB "
            f"({big.peak_rss_mb - base.peak_rss_mb:+.0f}); the long run's peak grew "
            f"{big.peak_growth_mb:+.0f} MB after warm-up; limit +{LONG_PEAK_LIMIT_MB:.0f} MB each"
        )
    for f in figs:
        for t in f.missing[:20]:
            print(f"  MISSING {f.name}: {t.speaker} {t.start_s:.2f}-{t.end_s:.2f} {t.text[:60]!r}")
        for u in f.extra[:10]:
            print(f"  EXTRA   {f.name}: {u['speaker']} {u['start']}-{u['end']} {str(u['text'])[:60]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    ap.add_argument("--part", action="append", choices=("fast", "realtime", "long"), help="repeatable")
    ap.add_argument("--short", action="store_true", help="CI sizes: 3 / 1 / 30 (vs 3) minutes")
    ap.add_argument("--fast-minutes", type=float, default=60.0)
    ap.add_argument("--realtime-minutes", type=float, default=10.0)
    ap.add_argument("--long-minutes", type=float, default=180.0)
    ap.add_argument("--baseline-minutes", type=float, default=10.0)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/oneup-soak"))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    print(f"machine: {describe()}", flush=True)
    if args.short:
        args.fast_minutes, args.realtime_minutes = SHORT.fast, SHORT.realtime
        args.long_minutes, args.baseline_minutes = SHORT.long, SHORT.baseline
    parts = args.part or ["fast", "realtime", "long"]
    args.workdir.mkdir(parents=True, exist_ok=True)
    figs: list[RunFigures] = []
    long_pair = None
    failures: list[str] = []
    for part in parts:
        t0 = time.monotonic()
        print(f"== {part} ...", flush=True)
        if part == "long":
            long_pair = long_runs(args.workdir, args.long_minutes, args.baseline_minutes)
            figs.extend(long_pair)
            failures += bounded_memory_failures(*long_pair)
            failures += [x for f in long_pair for x in checks(f, growth=False)]
        else:
            minutes = args.fast_minutes if part == "fast" else args.realtime_minutes
            figs.append(conversation_run(args.workdir, minutes, realtime=part == "realtime"))
            failures += checks(figs[-1])
        print(f"   done in {time.monotonic() - t0:.0f} s", flush=True)
    print_table(figs, long_pair)
    if args.json:
        args.json.write_text(
            json.dumps([asdict(f) | {"x_real_time": f.x_real_time} for f in figs], indent=1, default=str)
        )
    print("\nchecks: " + ("all passed" if not failures else "FAILED"))
    for line in failures:
        print(f"  - {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
