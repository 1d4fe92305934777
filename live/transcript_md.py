"""The annotated Markdown transcript, rendered from the journal (the single source of truth)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from live.journal import read_journal


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def _pct(x: float | None) -> str:
    return "n/a (rep only)" if x is None else f"{x * 100:.0f}%"


def render_markdown(records: list[dict[str, Any]]) -> str:
    session = next((r for r in records if r.get("type") == "session"), {})
    summary = next((r for r in reversed(records) if r.get("type") == "summary"), None)
    lines = [f"# Call {session.get('started_at', '')}".rstrip(), ""]
    lines.append(f"Source: `{session.get('source', '?')}` · model: {session.get('model', '?')}")
    lines.append("")
    if summary:
        band = summary.get("target_band", 0.1)
        target = summary.get("target_rep_share", 0.43)
        labels = summary.get("labels") or {}
        lines += [
            "## Summary",
            "",
            f"- Duration: {clock(summary.get('duration_s', 0))}",
            f"- Rep talk share: {_pct(summary.get('rep_share'))} "
            f"(target {target * 100:.0f}% ± {band * 100:.0f})",
            f"- Talk time: rep {summary['talk_time'].get('rep', 0):.0f} s, "
            f"prospect {summary['talk_time'].get('prospect', 0):.0f} s",
            f"- Longest rep monologue: {summary.get('longest_rep_monologue_s', 0):.0f} s",
            f"- Questions asked by the rep: {summary.get('questions', 0)}",
            f"- One-Down moments: {summary.get('one_down', 0)} · One-Up moments: {summary.get('one_up', 0)}",
        ]
        if labels:
            lines.append("- Labels: " + ", ".join(f"{k} {v}" for k, v in labels.items()))
        lines.append("")
    else:
        lines += ["_No summary: the session did not finish cleanly._", ""]
    lines += ["## Transcript", ""]
    for r in records:
        kind = r.get("type")
        if kind == "mark":
            lines += [f"**[{clock(r.get('at', 0))}] ★ marked moment** {r.get('note', '')}".rstrip(), ""]
        elif kind in ("pause", "resume"):
            lines += [f"_[{clock(r.get('at', 0))}] {kind}d_", ""]
        elif kind == "utterance":
            who = "Rep" if r.get("speaker") == "rep" else "Prospect"
            lines.append(f"**[{clock(r.get('start', 0))}] {who}:** {r.get('text', '')}")
            if r.get("label"):
                tag = f"{r['stance']} · {r['label']}"
                if r.get("evidence"):
                    tag += f" — “{r['evidence']}”"
                lines.append(f"> {tag}")
                if r.get("nudge"):
                    lines.append(f"> ➜ One-Up: {r['nudge']}")
                elif r.get("reinforcement"):
                    lines.append(f"> ✓ {r['reinforcement']}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(journal: Path, out: Path) -> None:
    records, _problems = read_journal(journal)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have been wider
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render_markdown(records))
