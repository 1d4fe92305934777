"""``oneup report``: a call scorecard (Markdown, HTML, JSON) and trends across a folder of calls.

The scorecard is what a rep sends a manager: the figures, every One-Down moment
grouped by category with its quote and the One-Up alternative the journal
recorded for it, and the One-Up moments. Everything is built from one
``Scorecard`` so the three formats cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from calls.markdown import inline
from calls.report_html import render_html, render_trends_html
from calls.scorecard import (
    WITHDRAWN_WHY,
    Category,
    Scorecard,
    TrendPoint,
    band_text,
    call_names,
    scorecard,
    trend,
    trend_direction,
    when,
)
from calls.store import Line, SavedCall, SessionError, Summary
from core.fmt import clock, pct
from core.journal import write_whole
from core.paths import same_file
from core.taxonomy import ORDER, title

FORMATS = ("md", "html", "json")


# JSON ----------------------------------------------------------------------------------------------


def _moment(line: Line) -> dict[str, Any]:
    d: dict[str, Any] = {"at": line.start, "clock": clock(line.start), "text": line.text}
    d["evidence"] = line.evidence
    if line.like:
        d["like"] = line.like
    if line.one_down:
        d["nudge"] = line.nudge
        d["nudge_shown"] = line.nudge_shown
    else:
        d["reinforcement"] = line.reinforcement
    if line.relabelled:  # found by the refine pass: not what the live coach showed
        d["live_label"] = line.label_before
        d["live_text"] = line.live_text
    return d


def _withdrawn(line: Line) -> dict[str, Any]:
    return {
        "at": line.start,
        "clock": clock(line.start),
        "text": line.text,
        "label": line.label,
        "live_label": line.label_before,
        "live_text": line.live_text,
        "nudge_shown": line.nudge_shown,
    }


def summary_dict(s: Summary) -> dict[str, Any]:
    return {
        "duration_s": s.duration_s,
        "talk_time": {"rep": s.rep_s, "prospect": s.prospect_s},
        "rep_share": s.rep_share,
        "target_rep_share": s.target_rep_share,
        "target_band": s.target_band,
        "share_verdict": s.share_verdict(),
        "longest_rep_monologue_s": s.longest_rep_monologue_s,
        "questions": s.questions,
        "patience_s": s.patience_s,
        "labels": dict(s.labels),
        "one_down": s.one_down,
        "one_up": s.one_up,
        "unsure": s.unsure,
        "end_reason": s.end_reason,
        "recomputed": s.recomputed,
    }


def render_json(card: Scorecard) -> str:
    call = card.call
    doc = {
        "session": {
            "id": call.id,
            "path": str(call.path),
            "started_at": call.started_at.isoformat() if call.started_at else None,
            "source": call.source,
            "model": call.model,
            "rep_only": call.rep_only,
        },
        "summary": summary_dict(card.summary),
        "one_down": [_category(c) for c in card.one_down],
        "one_up": [_category(c) for c in card.one_up],
        "withdrawn": [_withdrawn(line) for line in card.withdrawn],
        "marks": [{"at": m.at, "clock": clock(m.at), "note": m.note} for m in call.marks],
        "problems": list(call.problems),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _category(c: Category) -> dict[str, Any]:
    return {
        "label": c.label,
        "title": c.title,
        "count": len(c.moments),
        "moments": [_moment(m) for m in c.moments],
    }


# Markdown ------------------------------------------------------------------------------------------


def figures(s: Summary) -> list[tuple[str, str]]:
    """The headline figures as (name, value) rows, shared by the Markdown and HTML scorecards."""
    if s.rep_share is None:
        share = f"n/a ({s.no_share_why})"
    else:
        share = f"{pct(s.rep_share)} — {s.share_verdict()} (target {band_text(s)})"
    patience = "n/a" if s.patience_s is None else f"{s.patience_s:.1f} s"
    return [
        ("Duration", clock(s.duration_s)),
        ("Rep talk share", share),
        ("Talk time", f"rep {s.rep_s:.0f} s · prospect {s.prospect_s:.0f} s"),
        ("Longest rep monologue", f"{s.longest_rep_monologue_s:.0f} s"),
        ("Questions asked", str(s.questions)),
        ("Patience (pause before answering)", patience),
        ("One-Down moments", str(s.one_down)),
        ("One-Up moments", str(s.one_up)),
        ("Not sure (shown as neutral)", str(s.unsure)),
    ]


def render_markdown(card: Scorecard) -> str:
    call, s = card.call, card.summary
    out = [f"# Call scorecard · {when(call)}", ""]
    meta = [f"source `{Path(call.source).name or '?'}`", f"model {call.model or '?'}"]
    out += [" · ".join(meta), ""]
    if s.recomputed:
        out += ["> The call did not end cleanly: figures recomputed from the saved utterances.", ""]
    out += ["| Figure | Value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in figures(s)]
    out.append("")
    counted = sorted(s.labels.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER else 99, kv[0]))
    if counted:
        stances = {line.label: line.stance for line in call.rep_lines if line.label}
        out += ["## Labels", "", "| Category | Stance | Count |", "|---|---|---|"]
        out += [f"| {title(k)} | {stances.get(k) or '–'} | {v} |" for k, v in counted]
        out.append("")
    out += ["## One-Down moments", ""]
    if not card.one_down:
        out += ["None: no One-Down moment in this call.", ""]
    for cat in card.one_down:
        out += [f"### {cat.title} · {len(cat.moments)}", ""]
        for m in cat.moments:
            out.append(f"- **{clock(m.start)}** “{inline(m.text)}”  ")
            out.append(
                f"  ➜ One-Up: {inline(m.nudge or '(no alternative recorded)')}"
                + ("  " if m.refine_note else "")
            )
            if m.refine_note:
                out.append(f"  {inline(m.refine_note)}")
        out.append("")
    out += ["## One-Up moments", ""]
    if not card.one_up:
        out += ["None yet: see the alternatives above." if card.one_down else "None in this call.", ""]
    for cat in card.one_up:
        out += [f"### {cat.title} · {len(cat.moments)}", ""]
        for m in cat.moments:
            praise = f"  \n  ✓ {inline(m.reinforcement)}" if m.reinforcement else ""
            note = f"  \n  {inline(m.refine_note)}" if m.refine_note else ""
            out.append(f"- **{clock(m.start)}** “{inline(m.text)}”{praise}{note}")
        out.append("")
    if card.withdrawn:
        out += ["## Withdrawn after the call", "", WITHDRAWN_WHY, ""]
        for line in card.withdrawn:
            now = inline(line.label or "unlabelled")
            out.append(f"- **{clock(line.start)}** “{inline(line.text)}” · now {now}  ")
            out.append(f"  {inline(line.refine_note or '')}")
        out.append("")
    if call.marks:
        out += ["## Marked moments", ""]
        out += [f"- **{clock(m.at)}** {inline(m.note) or '(no note)'}" for m in call.marks]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# Trends --------------------------------------------------------------------------------------------


def trends_json(folder: Path, points: Sequence[TrendPoint]) -> str:
    doc = {
        "folder": str(folder),
        "calls": [
            {
                "id": p.id,
                "when": p.when,
                "duration_s": p.duration_s,
                "rep_share": p.rep_share,
                "target_rep_share": p.target_rep_share,
                "target_band": p.target_band,
                "one_down": p.one_down,
                "one_up": p.one_up,
                "one_down_rate": p.one_down_rate,
                "complete": p.complete,
            }
            for p in points
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def trends_markdown(folder: Path, points: Sequence[TrendPoint]) -> str:
    out = [f"# Trends · {len(points)} call{'s' * (len(points) != 1)}", "", f"Folder: `{folder}`", ""]
    share = trend_direction([p.rep_share for p in points])
    rate = trend_direction([p.one_down_rate for p in points])
    if share is not None:
        some = " with both sides heard" if any(p.rep_share is None for p in points) else ""
        out.append(f"- Rep talk share: {_change(share)} from the first calls{some} to the latest")
    if rate is not None:
        out.append(f"- One-Down rate: {_change(rate)} (lower is better)")
    out += [
        "",
        "| Call | Duration | Rep talk share | One-Down | One-Up | One-Down rate |",
        "|---|---|---|---|---|---|",
    ]
    for p, name in zip(points, call_names(points), strict=True):
        flag = "" if p.complete else " (cut)"
        cell = name.replace("|", "\\|")  # a file name may hold the table's separator
        out.append(
            f"| {cell}{flag} | {clock(p.duration_s)} | {pct(p.rep_share)} | {p.one_down} | {p.one_up} "
            f"| {pct(p.one_down_rate)} |"
        )
    out += ["", "One-Down rate: the share of your labelled utterances that were One-Down."]
    return "\n".join(out) + "\n"


def _change(delta: float) -> str:
    points = delta * 100
    if abs(points) < 1:
        return "steady"
    return f"{'up' if points > 0 else 'down'} {abs(points):.0f} points"


# Writing -------------------------------------------------------------------------------------------


def render_call(call: SavedCall, fmt: str) -> str:
    card = scorecard(call)
    if fmt == "json":
        return render_json(card)
    if fmt == "html":
        return render_html(card)
    return render_markdown(card)


def render_trends(folder: Path, calls: Sequence[SavedCall], fmt: str) -> str:
    points = trend(calls)
    if fmt == "json":
        return trends_json(folder, points)
    if fmt == "html":
        return render_trends_html(folder, points)
    return trends_markdown(folder, points)


def write_private(path: Path, text: str, *, force: bool = False, sources: Sequence[Path] = ()) -> None:
    """Write a report 0600, like the journal it comes from (it quotes the call). An existing file is
    replaced only with ``force``, and never when it is one of the journals it is made from."""
    if any(same_file(path, s) for s in sources):
        raise SessionError(f"{path}: is the journal the report is made from: write the report elsewhere")
    if path.exists() and not force:
        raise SessionError(f"{path}: already exists (use --force to overwrite)")
    try:
        write_whole(path, text, exclusive=not force)
    except FileExistsError:
        raise SessionError(f"{path}: already exists (use --force to overwrite)") from None
    except OSError as exc:
        raise SessionError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
