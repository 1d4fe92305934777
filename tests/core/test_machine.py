"""The CPU line printed with benchmark and evaluation figures."""

from __future__ import annotations

from core.machine import describe, describe_cpuinfo, int8_path

EPYC = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
flags\t\t: fpu sse4_1 avx avx2 fma

processor\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse4_1 avx avx2 fma
"""


def test_an_avx2_cpu_without_vnni_is_named_as_the_slow_int8_path() -> None:
    assert describe_cpuinfo(EPYC, 2) == "AMD EPYC · 2 cores · int8: AVX2, no VNNI"


def test_vnni_and_amx_are_told_apart() -> None:
    assert int8_path({"avx2", "avx512f", "avx512_vnni"}) == "VNNI"
    assert int8_path({"avx2", "avx_vnni"}) == "VNNI"
    assert int8_path({"avx2", "avx512_vnni", "amx_int8"}) == "AMX"
    assert int8_path({"sse4_1"}) == "no AVX2"


def test_this_machine_is_described_in_one_line() -> None:
    line = describe()
    assert "\n" not in line and " cores" in line
