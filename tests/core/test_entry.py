"""The program re-executes itself once with the allocator and OpenBLAS settings (``cli.entry``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli.entry import TUNED_ENV, TUNED_MARK, tuned_env

glibc = pytest.mark.skipif(tuned_env({}) is None, reason="glibc on Linux only")


@glibc
def test_the_tuned_environment_adds_the_settings_and_the_mark() -> None:
    env = tuned_env({"PATH": "/bin"})
    assert env is not None
    assert env["PATH"] == "/bin" and env[TUNED_MARK] == "1"
    assert {k: env[k] for k in TUNED_ENV} == TUNED_ENV
    assert int(env["MALLOC_MMAP_THRESHOLD_"]) > 54 << 20  # above the encoder's 54 MB attention buffer


@pytest.mark.parametrize(
    "set_by_user", [TUNED_MARK, "MALLOC_ARENA_MAX", "OPENBLAS_NUM_THREADS", "GLIBC_TUNABLES"]
)
def test_nothing_is_done_when_tuned_or_when_the_user_chose(set_by_user: str) -> None:
    assert tuned_env({"PATH": "/bin", set_by_user: "4"}) is None


@glibc
def test_the_process_re_executes_itself_once_with_the_same_pid_and_arguments() -> None:
    code = (
        "import os, sys\n"
        "from cli.entry import tune_process\n"
        "print('start', os.getpid(), flush=True)\n"
        "tune_process()\n"
        "print('run', os.getpid(), sys.argv[1:], os.environ.get('MALLOC_MMAP_THRESHOLD_'),"
        " os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in TUNED_ENV and k != TUNED_MARK}
    env.pop("GLIBC_TUNABLES", None)
    r = subprocess.run([sys.executable, "-c", code, "a b", "c"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # Started twice (before and after the exec), ran once, in the same process, with the settings.
    assert [x.split()[0] for x in lines] == ["start", "start", "run"], lines
    pid = lines[0].split()[1]
    assert lines[1].split()[1] == pid
    assert lines[2] == f"run {pid} ['a b', 'c'] {TUNED_ENV['MALLOC_MMAP_THRESHOLD_']} 1"
