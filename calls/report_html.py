"""The HTML scorecard and trends: one self-contained file (inline CSS and SVG, no script, no assets).

It is meant to be mailed or printed, so nothing is loaded from anywhere, colour
always comes with a word or a shape, and ``@media print`` keeps moments whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from calls.scorecard import (
    WITHDRAWN_WHY,
    Scorecard,
    TrendPoint,
    band_text,
    call_names,
    trend_direction,
    when,
)
from calls.store import Line, SavedCall, share_by_bin
from core.fmt import band, clock, pct
from core.taxonomy import ORDER, title

CSS = """
:root { --ink:#1d2330; --muted:#5f6b7a; --line:#e3e7ee; --paper:#fff; --soft:#f6f8fb;
  --rep:#3b6fd8; --them:#9a7fd1; --down:#d9822b; --down-soft:#fdf3e7; --up:#2f9e6e; --up-soft:#e9f7f0;
  --band:#e6effc; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--soft); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 36px 40px 48px; background: var(--paper); }
header .kicker { text-transform: uppercase; letter-spacing: .12em; font-size: 12px; color: var(--muted);
  font-weight: 600; }
h1 { font-size: 28px; margin: 2px 0 4px; letter-spacing: -.01em; }
h2 { font-size: 18px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; display: flex; align-items: center; gap: 8px; }
.meta { color: var(--muted); margin: 0; }
.note { margin: 14px 0 0; padding: 8px 12px; border-left: 4px solid var(--down); background: var(--down-soft);
  font-size: 14px; }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin-top: 22px; }
.kpi { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.kpi .k { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
.kpi .v { font-size: 26px; font-weight: 700; line-height: 1.2; }
.kpi .s { font-size: 13px; color: var(--muted); }
.kpi.down .v { color: var(--down); } .kpi.up .v { color: var(--up); }
.verdict { font-size: 12px; font-weight: 700; padding: 1px 7px; border-radius: 99px; margin-left: 6px;
  vertical-align: middle; }
.verdict.ok { background: var(--up-soft); color: var(--up); }
.verdict.off { background: var(--down-soft); color: var(--down); }
.timeline { margin-top: 8px; }
.timeline svg { width: 100%; height: auto; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 12px; height: 10px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { white-space: nowrap; font-size: 12px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted);
  font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; width: 70px; }
.bar { height: 8px; border-radius: 4px; min-width: 2px; display: inline-block; vertical-align: middle; }
.bar.one-down { background: var(--down); } .bar.one-up { background: var(--up); }
.bar.neutral { background: #b8c0cc; }
.count { font-size: 12px; font-weight: 700; border-radius: 99px; padding: 0 8px; color: #fff; }
.count.down { background: var(--down); } .count.up { background: var(--up); }
.moment { display: grid; grid-template-columns: 56px 1fr; gap: 4px 12px; padding: 10px 0;
  border-bottom: 1px dashed var(--line); break-inside: avoid; page-break-inside: avoid; }
.moment:last-child { border-bottom: 0; }
.t { font-variant-numeric: tabular-nums; color: var(--muted); font-size: 13px; padding-top: 1px; }
blockquote { margin: 0; font-style: italic; }
blockquote::before { content: "“"; } blockquote::after { content: "”"; }
.alt { grid-column: 2; border-radius: 6px; padding: 6px 10px; font-size: 14px; }
.alt b { font-style: normal; }
.refined { grid-column: 2; color: var(--muted); font-size: 13px; }
.alt.down { background: var(--down-soft); border-left: 3px solid var(--down); }
.alt.up { background: var(--up-soft); border-left: 3px solid var(--up); }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  padding-top: 10px; }
@media print {
  @page { margin: 14mm 12mm; }
  body { background: #fff; font-size: 12.5px; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .kpis, .timeline { break-inside: avoid; page-break-inside: avoid; }
}
"""

W, PAD_L, PAD_R = 1000, 112, 16
"""SVG geometry: the viewBox width and the margins left for lane names and the last tick."""


def _x(t: float, duration: float) -> float:
    return PAD_L + (W - PAD_L - PAD_R) * (t / duration if duration > 0 else 0.0)


def _tick_step(duration: float) -> int:
    for step in (30, 60, 120, 300, 600, 900, 1800):
        if duration / step <= 10:
            return step
    return 3600


def timeline_svg(call: SavedCall) -> str:
    """The call drawn as two speech lanes, moment markers above, and the rep's share of talk below."""
    s = call.summary
    duration = max(s.duration_s, max((x.end for x in call.lines), default=0.0), 1.0)
    y_marks, y_rep, y_them, lane_h = 18, 40, 72, 22
    y_share, share_h = 122, 70
    height = y_share + share_h + 30
    parts = [
        f'<svg viewBox="0 0 {W} {height}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="Call timeline" font-family="system-ui, sans-serif" font-size="12">'
    ]
    left, right = _x(0, duration), _x(duration, duration)
    # Lanes.
    for y, name in ((y_rep, "You"), (y_them, "Them")):
        parts.append(
            f'<rect x="{left}" y="{y}" width="{right - left:.1f}" height="{lane_h}" fill="#f3f5f9"/>'
        )
        parts.append(f'<text x="0" y="{y + 15}" fill="#5f6b7a">{name}</text>')
    parts.append(f'<text x="0" y="{y_marks + 4}" fill="#5f6b7a">Moments</text>')
    colours = {"one-down": "#d9822b", "one-up": "#2f9e6e"}
    for line in call.lines:
        x0, x1 = _x(line.start, duration), _x(line.end, duration)
        y = y_rep if line.speaker == "rep" else y_them
        fill = colours.get(line.stance or "", "#3b6fd8") if line.speaker == "rep" else "#9a7fd1"
        tip = escape(f"{clock(line.start)} {line.label or ''} {line.text}".strip(), quote=True)
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 2}" width="{max(1.5, x1 - x0):.1f}" height="{lane_h - 4}" '
            f'rx="2" fill="{fill}"><title>{tip}</title></rect>'
        )
    # Moment markers: ▼ One-Down, ▲ One-Up, ★ marks (shape, not only colour).
    for line in call.rep_lines:
        if not (line.one_down or line.one_up):
            continue
        x = _x(line.start, duration)
        if line.one_down:
            pts = f"{x - 5:.1f},{y_marks - 5} {x + 5:.1f},{y_marks - 5} {x:.1f},{y_marks + 5}"
        else:
            pts = f"{x - 5:.1f},{y_marks + 5} {x + 5:.1f},{y_marks + 5} {x:.1f},{y_marks - 5}"
        parts.append(f'<polygon points="{pts}" fill="{colours[line.stance or "one-down"]}"/>')
        parts.append(f'<line x1="{x:.1f}" y1="{y_marks + 6}" x2="{x:.1f}" y2="{y_rep}" stroke="#e3e7ee"/>')
    for m in call.marks:
        x = _x(m.at, duration)
        parts.append(
            f'<text x="{x:.1f}" y="{y_marks + 5}" text-anchor="middle" font-size="14" fill="#1d2330">★'
            f"<title>{escape(clock(m.at) + ' ' + m.note)}</title></text>"
        )
    # Rep share over time, against the target band.
    lo, hi = band(s.target_rep_share, s.target_band)

    def y_of(v: float) -> float:
        return y_share + share_h * (1 - v)

    parts.append(
        f'<rect x="{left}" y="{y_of(hi):.1f}" width="{right - left:.1f}" height="{y_of(lo) - y_of(hi):.1f}" '
        f'fill="#e6effc"/>'
    )
    for v in (0.0, 0.5, 1.0):
        parts.append(
            f'<line x1="{left}" y1="{y_of(v):.1f}" x2="{right:.1f}" y2="{y_of(v):.1f}" stroke="#e3e7ee"/>'
            f'<text x="{left - 8}" y="{y_of(v) + 4:.1f}" text-anchor="end" fill="#8a94a3" font-size="11">'
            f"{v * 100:.0f}%</text>"
        )
    parts.append(f'<text x="0" y="{y_of(0.5) + 4:.1f}" fill="#5f6b7a">Your share</text>')
    if not call.rep_only:
        bins = max(4, min(40, int(duration // 15)))
        width = (right - left) / bins
        share_pts = [
            f"{left + width * (i + 0.5):.1f},{y_of(v):.1f}"
            for i, v in enumerate(share_by_bin(call, bins))
            if v is not None
        ]
        if share_pts:
            parts.append(
                f'<polyline points="{" ".join(share_pts)}" fill="none" stroke="#3b6fd8" stroke-width="2.2" '
                f'stroke-linejoin="round" stroke-linecap="round"/>'
            )
    # Time axis.
    step = _tick_step(duration)
    t = 0
    while t <= duration + 0.01:
        x = _x(t, duration)
        parts.append(
            f'<line x1="{x:.1f}" y1="{y_share + share_h}" x2="{x:.1f}" y2="{y_share + share_h + 5}" '
            f'stroke="#8a94a3"/><text x="{x:.1f}" y="{y_share + share_h + 19}" text-anchor="middle" '
            f'fill="#8a94a3" font-size="11">{clock(t)}</text>'
        )
        t += step
    parts.append("</svg>")
    return "".join(parts)


def _kpis(card: Scorecard) -> str:
    s = card.summary
    verdict = s.share_verdict()
    if verdict is None:
        share = f'<div class="v">n/a</div><div class="s">{s.no_share_why}</div>'
    else:
        cls = "ok" if verdict == "in band" else "off"
        share = (
            f'<div class="v">{pct(s.rep_share)}<span class="verdict {cls}">{escape(verdict)}</span></div>'
            f'<div class="s">target {band_text(s)} · you {s.rep_s:.0f} s, them {s.prospect_s:.0f} s</div>'
        )
    patience = "n/a" if s.patience_s is None else f"{s.patience_s:.1f} s"
    cells = [
        ("", "Your talk share", share),
        (
            "",
            "Longest monologue",
            f'<div class="v">{s.longest_rep_monologue_s:.0f} s</div>'
            f'<div class="s">without the prospect speaking</div>',
        ),
        ("", "Questions", f'<div class="v">{s.questions}</div><div class="s">asked by you</div>'),
        ("", "Patience", f'<div class="v">{patience}</div><div class="s">pause before you answer</div>'),
        (
            "down",
            "One-Down",
            f'<div class="v">{s.one_down}</div><div class="s">asking them for something</div>',
        ),
        ("up", "One-Up", f'<div class="v">{s.one_up}</div><div class="s">bringing them something</div>'),
    ]
    body = "".join(f'<div class="kpi {c}"><div class="k">{k}</div>{v}</div>' for c, k, v in cells)
    return f'<section class="kpis">{body}</section>'


def _labels_table(card: Scorecard) -> str:
    labels = card.summary.labels
    if not labels:
        return ""
    stances = {line.label: line.stance or "neutral" for line in card.call.rep_lines if line.label}
    top = max(labels.values()) or 1
    rank = {"one-down": 0, "one-up": 1, "neutral": 2}
    rows = sorted(
        labels.items(),
        key=lambda kv: (
            rank.get(stances.get(kv[0], "neutral"), 3),
            -kv[1],
            ORDER.index(kv[0]) if kv[0] in ORDER else 99,
        ),
    )
    body = "".join(
        f"<tr><td>{escape(title(k))}</td><td>{escape(stances.get(k, 'neutral'))}</td>"
        f'<td class="n">{v}</td><td><span class="bar {escape(stances.get(k, "neutral"))}" '
        f'style="width:{max(1.0, 100 * v / top):.0f}%"></span></td></tr>'
        for k, v in rows
    )
    return (
        "<h2>By category</h2><table><thead><tr><th>Category</th><th>Stance</th>"
        f'<th class="n">Count</th><th style="width:40%"></th></tr></thead><tbody>{body}</tbody></table>'
    )


def _refined(line: Line) -> str:
    """The refine pass's note for a relabelled line (not what the live coach showed), or nothing."""
    return f'<div class="refined">{escape(line.refine_note)}</div>' if line.refine_note else ""


def _moments(card: Scorecard) -> str:
    out = ["<h2>One-Down moments: what to say instead</h2>"]
    if not card.one_down:
        out.append('<p class="empty">No One-Down moment in this call.</p>')
    for cat in card.one_down:
        out.append(f'<h3>{escape(cat.title)} <span class="count down">{len(cat.moments)}</span></h3>')
        for m in cat.moments:
            out.append(
                f'<div class="moment"><div class="t">{clock(m.start)}</div>'
                f"<blockquote>{escape(m.text)}</blockquote>"
                f'<div class="alt down"><b>One-Up instead:</b> {escape(m.nudge or "(none recorded)")}</div>'
                f"{_refined(m)}</div>"
            )
    out.append("<h2>One-Up moments: keep doing this</h2>")
    if not card.one_up:
        where = ": the alternatives above are where to start" if card.one_down else " in this call"
        out.append(f'<p class="empty">No One-Up moment yet{where}.</p>')
    for cat in card.one_up:
        out.append(f'<h3>{escape(cat.title)} <span class="count up">{len(cat.moments)}</span></h3>')
        for m in cat.moments:
            praise = f'<div class="alt up">✓ {escape(m.reinforcement)}</div>' if m.reinforcement else ""
            out.append(
                f'<div class="moment"><div class="t">{clock(m.start)}</div>'
                f"<blockquote>{escape(m.text)}</blockquote>{praise}{_refined(m)}</div>"
            )
    if card.withdrawn:
        out.append(f'<h2>Withdrawn after the call</h2><p class="empty">{escape(WITHDRAWN_WHY)}</p>')
        for line in card.withdrawn:
            out.append(
                f'<div class="moment"><div class="t">{clock(line.start)}</div>'
                f"<blockquote>{escape(line.text)}</blockquote>"
                f"<div>now {escape(line.label or 'unlabelled')}</div>{_refined(line)}</div>"
            )
    if card.call.marks:
        out.append("<h2>Marked moments</h2>")
        for mark in card.call.marks:
            out.append(
                f'<div class="moment"><div class="t">{clock(mark.at)}</div>'
                f"<div>★ {escape(mark.note or 'marked during the call')}</div></div>"
            )
    return "".join(out)


def _page(heading: str, kicker: str, body: str, made_from: str = "the saved call") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body><main>"
        f'<header><div class="kicker">{escape(kicker)}</div><h1>{escape(heading)}</h1>{body}'
        f"<footer>Made by oneup on this machine from {made_from}; nothing was uploaded.</footer>"
        "</main></body></html>\n"
    )


def render_html(card: Scorecard) -> str:
    call, s = card.call, card.summary
    meta = f"{clock(s.duration_s)} call · source {Path(call.source).name or '?'} · model {call.model or '?'}"
    note = ""
    if s.recomputed:
        note = (
            '<p class="note">This call did not end cleanly: '
            "the figures were recomputed from the saved utterances.</p>"
        )
    legend = (
        '<div class="legend"><span><i style="background:#3b6fd8"></i>you</span>'
        '<span><i style="background:#9a7fd1"></i>them</span>'
        '<span><i style="background:#d9822b"></i>▼ One-Down</span>'
        '<span><i style="background:#2f9e6e"></i>▲ One-Up</span><span>★ marked</span>'
        '<span><i style="background:#e6effc"></i>target band for your share</span></div>'
    )
    body = (
        f'<p class="meta">{escape(meta)}</p>{note}</header>{_kpis(card)}'
        f'<h2>The call</h2><section class="timeline">{timeline_svg(call)}{legend}</section>'
        f"{_labels_table(card)}{_moments(card)}"
    )
    return _page(f"Call on {when(call)}", "oneup · call scorecard", body)


# Trends --------------------------------------------------------------------------------------------


def trends_svg(points: Sequence[TrendPoint]) -> str:
    """Rep talk share (line, against the target band) and One-Down rate (bars), one slot per call."""
    n = max(1, len(points))
    top, h = 20, 200
    height = top + h + 46
    left, right = PAD_L, W - PAD_R
    slot = (right - left) / n

    def y_of(v: float) -> float:
        return top + h * (1 - v)

    parts = [
        f'<svg viewBox="0 0 {W} {height}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="Trends" font-family="system-ui, sans-serif" font-size="12">'
    ]
    if points:
        p0 = points[-1]
        lo, hi = band(p0.target_rep_share, p0.target_band)
        parts.append(
            f'<rect x="{left}" y="{y_of(hi):.1f}" width="{right - left}" height="{y_of(lo) - y_of(hi):.1f}" '
            f'fill="#e6effc"/>'
        )
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{left}" y1="{y_of(v):.1f}" x2="{right}" y2="{y_of(v):.1f}" stroke="#e3e7ee"/>'
            f'<text x="{left - 10}" y="{y_of(v) + 4:.1f}" text-anchor="end" fill="#8a94a3" font-size="11">'
            f"{v * 100:.0f}%</text>"
        )
    line_pts = []
    for i, p in enumerate(points):
        cx = left + slot * (i + 0.5)
        if p.one_down_rate is not None:
            bw = min(28.0, slot * 0.5)
            parts.append(
                f'<rect x="{cx - bw / 2:.1f}" y="{y_of(p.one_down_rate):.1f}" width="{bw:.1f}" '
                f'height="{h * p.one_down_rate:.1f}" rx="2" fill="#d9822b" fill-opacity="0.55">'
                f"<title>{escape(p.when)}: One-Down rate {pct(p.one_down_rate)}</title></rect>"
            )
        if p.rep_share is not None:
            line_pts.append((cx, y_of(p.rep_share), p))
        if n <= 16 or i % max(1, n // 12) == 0:
            parts.append(
                f'<text x="{cx:.1f}" y="{top + h + 18}" text-anchor="middle" fill="#8a94a3" font-size="11">'
                f"{escape(p.when[5:10] if len(p.when) >= 10 else p.when)}</text>"
            )
    if line_pts:
        poly = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in line_pts)
        parts.append(f'<polyline points="{poly}" fill="none" stroke="#3b6fd8" stroke-width="2.2"/>')
        for x, y, p in line_pts:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="#3b6fd8" stroke-width="2">'
                f"<title>{escape(p.when)}: talk share {pct(p.rep_share)}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def render_trends_html(folder: Path, points: Sequence[TrendPoint]) -> str:
    share = trend_direction([p.rep_share for p in points])
    rate = trend_direction([p.one_down_rate for p in points])
    facts = []
    some = share is not None and any(p.rep_share is None for p in points)
    if share is not None:
        facts.append(f"talk share {'+' if share >= 0 else '−'}{abs(share) * 100:.0f} points")
    if rate is not None:
        facts.append(f"One-Down rate {'+' if rate >= 0 else '−'}{abs(rate) * 100:.0f} points")
    which = " (talk share: calls with both sides heard)" if some else ""
    meta = f"{len(points)} call{'s' * (len(points) != 1)} in {folder}" + (
        f" · first calls → latest{which}: {', '.join(facts)}" if facts else ""
    )
    legend = (
        '<div class="legend"><span><i style="background:#3b6fd8"></i>your talk share</span>'
        '<span><i style="background:#e6effc"></i>target band</span>'
        '<span><i style="background:#d9822b;opacity:.55"></i>One-Down rate (lower is better)</span></div>'
    )
    rows = "".join(
        f"<tr><td>{escape(name)}{'' if p.complete else ' (cut)'}</td>"
        f"<td class='n'>{clock(p.duration_s)}</td>"
        f"<td class='n'>{pct(p.rep_share)}</td><td class='n'>{p.one_down}</td><td class='n'>{p.one_up}</td>"
        f"<td class='n'>{pct(p.one_down_rate)}</td></tr>"
        for p, name in zip(points, call_names(points), strict=True)
    )
    table = (
        "<h2>Calls</h2><table><thead><tr><th>Call</th><th class='n'>Length</th><th class='n'>Talk share</th>"
        "<th class='n'>One-Down</th><th class='n'>One-Up</th><th class='n'>One-Down rate</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    body = (
        f'<p class="meta">{escape(meta)}</p></header><h2>Over time</h2>'
        f'<section class="timeline">{trends_svg(points)}{legend}</section>{table}'
    )
    return _page("Your calls over time", "oneup · trends", body, "your saved calls")
