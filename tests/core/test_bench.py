"""oneup bench: the choice logic (pure), and one real quick measurement of the bundled model."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tuning.bench import (
    Candidate,
    Result,
    candidates,
    demo_clips,
    length_sets,
    recommend,
    recommend_refine,
    table,
)


def res(model: str, ct: str, threads: int, wer: float, p95: float, rtf: float = 6.0) -> Result:
    return Result(
        Candidate(model, ct, threads),
        0.5,
        {"short": (p95 / 2, p95), "long": (p95 / 2, p95 / 2)},
        rtf,
        400.0,
        wer,
    )


def test_most_accurate_setting_that_fits_the_budget_wins() -> None:
    results = [
        res("tiny.en", "int8", 2, 0.080, 0.9),
        res("base", "int8", 2, 0.060, 1.4),
        res("base", "float32", 2, 0.058, 2.5),  # most accurate, too slow
        res("small", "int8", 2, 0.040, 1.2, rtf=2.0),  # fits p95 but leaves no CPU headroom
    ]
    best = recommend(results, budget_s=1.5)
    assert best is not None and best.candidate == Candidate("base", "int8", 2)
    assert recommend(results, budget_s=0.5) is None


def test_the_refine_model_is_the_most_accurate_that_refines_faster_than_real_time() -> None:
    live = res("tiny.en", "int8", 2, 0.080, 0.9)
    results = [
        live,
        res("base", "int8", 2, 0.060, 1.9, rtf=1.6),  # too slow to be live, fine in idle time
        res("small", "int8", 2, 0.040, 4.0, rtf=0.7),  # slower than real time: never
    ]
    refine = recommend_refine(results, live)
    assert refine is not None and refine.candidate.model == "base"
    assert recommend_refine([live, res("base", "int8", 2, 0.079, 1.9, rtf=1.6)], live) is None  # no better


def test_timing_noise_cannot_flip_the_pick() -> None:
    """WER within half a point ties; the tie goes to the cheaper setting, not the faster run."""
    a = [res("tiny.en", "int8", 2, 0.0641, 0.9), res("tiny.en", "int8", 1, 0.0643, 1.1)]
    b = [res("tiny.en", "int8", 2, 0.0641, 1.2), res("tiny.en", "int8", 1, 0.0643, 0.8)]
    assert recommend(a, 1.5).candidate == recommend(b, 1.5).candidate == Candidate("tiny.en", "int8", 1)


def test_errors_are_never_recommended_and_show_in_the_table() -> None:
    broken = Result(Candidate("x", "int8", 1), 0, {}, 0, 0, 1.0, error="RuntimeError: no model")
    assert recommend([broken], 10.0) is None
    assert "error: RuntimeError: no model" in table([broken])


def test_candidate_grid() -> None:
    quick = candidates(["tiny.en"], quick=True, device="cpu")
    assert {c.compute_type for c in quick} == {"int8", "float32"}
    assert all(c.device == "cpu" for c in quick)
    cuda = candidates(["tiny.en", "/m/base"], quick=False, device="cuda")
    assert {c.compute_type for c in cuda} == {"int8_float16", "float16"} and len(cuda) == 4


def test_demo_call_gives_clips_with_text_and_every_length_class() -> None:
    clips = demo_clips()
    assert len(clips) == 25 and all(c.text and c.audio.size > 16000 for c in clips)
    sets = length_sets(clips)
    assert [round(len(a[0]) / 16000) for a in sets.values()] == [2, 6, 15]


@pytest.mark.slow
def test_one_real_candidate_is_measured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tuning.bench import run_candidate

    r = run_candidate(Candidate("tiny.en", "int8", 2), None, reps=1, rtf_seconds=20.0, max_clips=4)
    assert r.error is None
    assert 0 < r.latency["short"][0] < 10 and r.rtf > 0.5 and 100 < r.peak_rss_mb < 2000
    assert r.wer < 0.3


def test_when_every_setting_fails_bench_says_so_not_to_raise_the_budget(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`--device cuda` on a machine without one: each row is an error; the advice to raise the latency
    budget or pick a smaller model would be wrong, so it is one error line and exit 2."""
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has CUDA")
    r = subprocess.run(
        [sys.executable, "-m", "cli", "bench", "--quick", "--models", "tiny.en", "--device", "cuda"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ONEUP_CONFIG": str(tmp_path / "c.toml")},
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines()[-1].startswith("oneup: error: every setting failed on device cuda")
    assert "raise --latency-budget" not in r.stdout and "Traceback" not in r.stderr
