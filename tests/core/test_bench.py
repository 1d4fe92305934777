"""oneup bench: the choice logic (pure), and one real quick measurement of the bundled model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
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
        {"short": (p95 / 2, p95), "medium": (p95 / 2, p95 / 2), "long": (p95 / 2, p95 / 2)},
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


def test_the_refine_model_is_judged_at_the_settings_it_will_run_with() -> None:
    """The refine model runs with the live model's compute type and threads (``live.compose``): its
    speed at 4 threads says nothing of it at the live pick's 1."""
    live = res("tiny.en", "int8", 1, 0.080, 0.9)
    fast_elsewhere = res("/m/base", "int8", 4, 0.060, 1.0, rtf=1.3)
    slow_here = res("/m/base", "int8", 1, 0.060, 2.0, rtf=0.6)
    assert recommend_refine([live, fast_elsewhere, slow_here], live) is None
    here = res("/m/base", "int8", 1, 0.060, 1.5, rtf=1.2)
    refine = recommend_refine([live, fast_elsewhere, here], live)
    assert refine is not None and refine.candidate == here.candidate


def test_a_small_eval_set_still_gives_every_length_class() -> None:
    """Clips under 15 s in all (``--eval`` with a few short clips, or ``--quick``'s first six) are
    repeated: the longest class had no audio and every setting failed (IndexError)."""
    from tuning.bench import Clip

    sets = length_sets([Clip(np.full(16000 * 3, 0.1, dtype=np.float32), "three seconds")])
    assert [len(a) for a in sets.values()] == [1, 1, 1]
    assert [round(len(a[0]) / 16000) for a in sets.values()] == [2, 6, 15]


def test_bench_save_takes_out_a_refine_model_it_no_longer_recommends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It prints "Refine pass: the live model"; an earlier pick left in the file would run instead
    (and fail every run once its folder is gone). A model folder is saved as its absolute path."""
    import tuning.bench
    from cli.main import main

    old = tmp_path / "old-base"
    old.mkdir()
    (old / "model.bin").write_bytes(b"")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[refine]\nmodel = "{old}"\n')
    monkeypatch.setenv("ONEUP_CONFIG", str(cfg))
    monkeypatch.chdir(tmp_path)
    live = res("old-base", "int8", 2, 0.080, 0.9)
    monkeypatch.setattr(tuning.bench, "run_bench", lambda *_a, **_k: ([live], live))
    assert main(["bench", "--models", "old-base", "--save"]) == 0
    assert "Refine pass: the live model" in capsys.readouterr().out
    text = cfg.read_text()
    assert "[refine]" not in text and f'model = "{old}"\n' in text, text


def test_a_cached_model_is_named_as_bench_lists_it(tmp_path: Path) -> None:
    """``oneup bench`` lists the Hugging Face cache by repo id ("Systran/faster-whisper-tiny"): such a
    name resolves from the cache (it was refused as "no such model directory"), offline."""
    cache = tmp_path / "hub"
    repo = cache / "models--Systran--faster-whisper-tiny"
    snapshot = repo / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "model.bin").write_bytes(b"")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    code = (
        "from cli.main import _local_models; from live.transcriber import resolve_model; "
        "names = _local_models(); print(names); print([resolve_model(n) for n in names][1:]); "
        "resolve_model('nowhere/model')"
    )
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    out = r.stdout.splitlines()
    assert out[:2] == [str(["tiny.en", "Systran/faster-whisper-tiny"]), str([str(snapshot)])], r.stderr
    assert "nowhere/model: no such model directory, and no cached model of that name" in r.stderr


def test_a_candidate_is_measured_with_the_users_settings_but_its_own_model() -> None:
    """The pick is saved beside the user's other settings and runs with them: it is timed with them."""
    from core.config import Config
    from tuning.bench import candidate_config

    mine = Config().with_values({"model.beam_size": 5, "vad.end_silence_ms": 450, "model.threads": 4})
    cfg = candidate_config(Candidate("/m/base", "float32", 1), mine)
    assert (cfg.model.model, cfg.model.compute_type, cfg.model.threads, cfg.model.device) == (
        "/m/base",
        "float32",
        1,
        "cpu",
    )
    assert (cfg.model.beam_size, cfg.vad.end_silence_ms) == (5, 450)
    # A saved refine model is not measured with every candidate (a stale one failed them all).
    cfg = candidate_config(Candidate("/m/base", "int8", 1), mine.with_values({"refine.model": "/gone/base"}))
    assert cfg.refine.model is None and cfg.refine.enabled
