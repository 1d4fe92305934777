"""Formatting and the talk-band rule, in one home for the live UI, review, reports and the transcript.

Pure functions over numbers, so every front end words a call the same way.
"""

from __future__ import annotations

Verdict = str
""""high", "low" or "in band": where the rep's talk share sits against the target band."""


def clock(seconds: float) -> str:
    """Call time: mm:ss, and h:mm:ss from one hour on (negative times show as 00:00)."""
    total = max(0, int(seconds))
    if total >= 3600:
        return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"
    return f"{total // 60:02d}:{total % 60:02d}"


def pct(x: float | None, missing: str = "n/a") -> str:
    """A share as a whole percentage; ``missing`` when there is none (rep-only calls)."""
    return missing if x is None else f"{x * 100:.0f}%"


def band(target: float, width: float) -> tuple[float, float]:
    """The target band for the rep's talk share, clipped to 0..1."""
    return max(0.0, target - width), min(1.0, target + width)


def band_text(target: float, width: float) -> str:
    lo, hi = band(target, width)
    return f"{lo * 100:.0f}–{hi * 100:.0f}%"


def share_verdict(share: float, target: float, width: float) -> Verdict:
    """Where ``share`` sits against ``target`` ± ``width``: "high", "low" or "in band"."""
    if share > target + width:
        return "high"
    if share < target - width:
        return "low"
    return "in band"
