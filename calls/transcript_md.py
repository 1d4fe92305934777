"""The annotated Markdown transcript (``SESSION.md``), rendered from the journal via the typed reader."""

from __future__ import annotations

from pathlib import Path

from calls.markdown import inline
from calls.store import SavedCall, load_call
from core.fmt import clock, pct
from core.journal import write_whole


def render_markdown(call: SavedCall) -> str:
    s = call.summary
    lines = [f"# Call {call.started_at.isoformat() if call.started_at else ''}".rstrip(), ""]
    lines += [f"Source: `{call.source or '?'}` · model: {call.model or '?'}", ""]
    if s.recomputed:
        lines += ["_The session did not finish cleanly: the summary was recomputed from the transcript._", ""]
    lines += [
        "## Summary",
        "",
        f"- Duration: {clock(s.duration_s)}",
        f"- Rep talk share: {pct(s.rep_share, f'n/a ({s.no_share_why})')} "
        f"(target {s.target_rep_share * 100:.0f}% ± {s.target_band * 100:.0f})",
        f"- Talk time: rep {s.rep_s:.0f} s, prospect {s.prospect_s:.0f} s",
        f"- Longest rep monologue: {s.longest_rep_monologue_s:.0f} s",
        f"- Questions asked by the rep: {s.questions}",
        f"- One-Down moments: {s.one_down} · One-Up moments: {s.one_up}",
    ]
    if s.labels:
        lines.append("- Labels: " + ", ".join(f"{k} {v}" for k, v in s.labels.items()))
    lines += ["", "## Transcript", ""]
    events: list[tuple[float, int, list[str]]] = []
    for m in call.moments:
        if m.kind == "mark":
            events.append((m.at, 0, [f"**[{clock(m.at)}] ★ marked moment** {inline(m.note)}".rstrip(), ""]))
        elif m.kind in ("pause", "resume"):
            events.append((m.at, 0, [f"_[{clock(m.at)}] {m.kind}d_", ""]))
    for line in call.lines:
        who = "Rep" if line.speaker == "rep" else "Prospect"
        block = [f"**[{clock(line.start)}] {who}:** {inline(line.text)}"]
        notes: list[str] = []
        if line.label:
            tag = f"{line.stance} · {line.label}"
            if line.unsure and line.guess:
                tag += f" · unsure (leaned {line.guess})"
            if line.evidence:
                tag += f" — “{inline(line.evidence)}”"
            if line.like:  # a training example: named, never quoted as the rep's words
                tag += f" — like: {inline(line.like)}"
            notes.append(tag)
            if line.nudge:
                notes.append(f"➜ One-Up: {inline(line.nudge)}")
            elif line.reinforcement:
                notes.append(f"✓ {inline(line.reinforcement)}")
        if line.refine_note:  # the verdict above is not the one shown during the call
            notes.append(inline(line.refine_note))
        # One quote, a hard line break (two spaces) after each note but the last: without it a
        # Markdown viewer runs the notes together into one line.
        block += [f"> {note}" + ("  " if i < len(notes) - 1 else "") for i, note in enumerate(notes)]
        events.append((line.start, 1, [*block, ""]))
    # In order of when each line started, as review shows them (a sorted() is stable: the journal's
    # order breaks ties). The journal itself is in the order lines were complete, so a short reply
    # said over a long line comes before it there; here the timestamps only go forward.
    for _at, _order, block in sorted(events, key=lambda e: (e[0], e[1])):
        lines += block
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(journal: Path, out: Path) -> None:
    write_whole(out, render_markdown(load_call(journal)))  # a full disk leaves no empty NAME.md
