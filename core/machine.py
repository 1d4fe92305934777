"""One line naming the CPU a figure was measured on, for benchmark and evaluation printouts.

The same code costs 3-4x the CPU-seconds on an x86 CPU whose int8 products take the slow path
(AVX2 without VNNI) as on one with VNNI (benchmarks/RESULTS.md, "Machines"), so a speed figure without
its CPU cannot be compared with another.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def int8_path(flags: set[str]) -> str:
    """Which int8 matrix-product path an x86 CPU with these /proc/cpuinfo flags gets."""
    if "amx_int8" in flags:
        return "AMX"
    if "avx512_vnni" in flags or "avx_vnni" in flags:
        return "VNNI"
    if "avx2" in flags:
        return "AVX2, no VNNI"
    return "no AVX2"


def describe_cpuinfo(text: str, cores: int) -> str:
    """ "AMD EPYC · 2 cores · int8: AVX2, no VNNI" from the text of /proc/cpuinfo."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    model = fields.get("model name") or platform.processor() or platform.machine()
    flags = set(fields.get("flags", "").split())
    path = f" · int8: {int8_path(flags)}" if flags else ""
    return f"{model} · {cores} cores{path}"


def describe() -> str:
    """This machine, in one line (Linux reads /proc/cpuinfo; elsewhere the model and core count)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    return describe_cpuinfo(text, cores)
