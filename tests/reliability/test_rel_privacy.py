"""Privacy: what oneup writes is private to the user, and it never touches the network.

- Sessions (journal + transcript) are 0600 in a 0700 folder, even under a permissive umask.
- ``oneup run`` works with every outbound socket blocked (a ``sitecustomize`` makes connect/DNS
  raise and records any attempt): no attempt is made. ``oneup demo --headless --fast``, ``classify``
  and ``report`` are run under the same guard by CI's fresh-install smoke stage (scripts/smoke), on
  every supported Python: the demo costs 85 s here, so it runs there instead of twice.
- The same ``oneup run`` inside a network namespace with no interfaces (``unshare -n``, root only).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.journal import read_journal

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT.parent / "shared" / "speech" / "cmuarctic_slt_arctic_a0001.wav"
"""3.4 s of real speech: "Author of the danger trail, Philip Steels, etc." """

pytestmark = pytest.mark.skipif(not CLIP.exists(), reason="needs ../shared/speech")

GUARD = Path(__file__).resolve().parent / "netguard"
"""A ``sitecustomize`` that makes connect/DNS raise and records any attempt (scripts/smoke uses it too)."""


def oneup(
    *args: str, env: dict[str, str], prefix: tuple[str, ...] = (), **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env={**os.environ, **env},
        **kw,
    )


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_sessions_are_private_files_in_a_private_folder(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "sessions"
    r = oneup(
        "run",
        str(CLIP),
        env={"ONEUP_DATA_DIR": str(data), "ONEUP_CONFIG": str(tmp_path / "none.toml")},
        preexec_fn=lambda: os.umask(0),  # the most permissive umask: modes must not depend on it
    )
    assert r.returncode == 0, r.stderr
    assert mode(data) == 0o700
    files = sorted(data.iterdir())
    assert [f.suffix for f in files] == [".jsonl", ".md"], files
    for f in files:
        assert mode(f) == 0o600, (f, oct(mode(f)))
        assert f.stat().st_uid == os.getuid()
    records, problems = read_journal(files[0])
    assert not problems and any(r["type"] == "utterance" for r in records)


def test_force_overwrite_makes_both_files_private(tmp_path: Path) -> None:
    out = tmp_path / "call.jsonl"
    for f in (out, out.with_suffix(".md")):
        f.write_text("old\n")
        f.chmod(0o644)
    r = oneup(
        "run", str(CLIP), "--out", str(out), "--force", env={"ONEUP_CONFIG": str(tmp_path / "none.toml")}
    )
    assert r.returncode == 0, r.stderr
    assert mode(out) == 0o600
    assert mode(out.with_suffix(".md")) == 0o600


@pytest.fixture
def blocked_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    log = tmp_path / "net.log"
    path = os.pathsep.join(x for x in (str(GUARD), str(ROOT), os.environ.get("PYTHONPATH", "")) if x)
    env = {
        "PYTHONPATH": path,
        "ONEUP_TEST_NET_LOG": str(log),
        "ONEUP_DATA_DIR": str(tmp_path / "data"),
        "ONEUP_CONFIG": str(tmp_path / "none.toml"),
    }
    return env, log


def test_the_socket_guard_itself_works(blocked_env: tuple[dict[str, str], Path]) -> None:
    """Sanity check of the harness: an outbound connect is recorded and refused, AF_UNIX is not."""
    env, log = blocked_env
    code = (
        "import socket\n"
        "a, b = socket.socketpair(socket.AF_UNIX)\n"
        "a.sendall(b'x'); assert b.recv(1) == b'x'\n"
        "try:\n    socket.create_connection(('example.com', 80), timeout=1)\nexcept OSError as e:\n"
        "    assert e.errno == 101, e\nelse:\n    raise SystemExit('not blocked')\n"
        "s = socket.socket()\n"
        "try:\n    s.connect(('127.0.0.1', 9))\nexcept OSError as e:\n    assert e.errno == 101, e\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert r.returncode == 0, r.stderr
    assert Path(str(log) + ".loaded").exists()
    attempts = [json.loads(x)["what"] for x in log.read_text().splitlines()]
    assert attempts == ["create_connection", "connect"]


def test_run_works_with_outbound_sockets_blocked(blocked_env: tuple[dict[str, str], Path]) -> None:
    env, log = blocked_env
    r = oneup("run", str(CLIP), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "session ended (end of audio)" in r.stdout
    assert "Error in sitecustomize" not in r.stderr, r.stderr
    assert Path(str(log) + ".loaded").exists()  # the guard was active in that process
    assert not log.exists(), log.read_text()
    journal = next(Path(env["ONEUP_DATA_DIR"]).glob("*.jsonl"))
    records, _ = read_journal(journal)
    assert sum(r["type"] == "utterance" for r in records) >= 1


@pytest.mark.skipif(
    shutil.which("unshare") is None
    or os.geteuid() != 0
    or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0,
    reason="needs root and unshare -n",
)
def test_run_in_a_network_namespace_without_interfaces(tmp_path: Path) -> None:
    probe = subprocess.run(
        [
            "unshare",
            "-n",
            "--",
            sys.executable,
            "-c",
            "import socket; print(socket.socket().connect_ex(('1.1.1.1', 80)))",
        ],
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "101"  # ENETUNREACH: really no network in there
    out = tmp_path / "s.jsonl"
    r = oneup(
        "run",
        str(CLIP),
        "--out",
        str(out),
        env={"ONEUP_CONFIG": str(tmp_path / "none.toml"), "HF_HUB_OFFLINE": "0"},
        prefix=("unshare", "-n", "--"),
    )
    assert r.returncode == 0, r.stderr
    assert "danger trail" in r.stdout.lower()
    records, problems = read_journal(out)
    assert not problems and records[-1]["end_reason"] == "end of audio"
