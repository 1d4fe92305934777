"""The call's figures in two or three lines: what a rep checks first when the call is over."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from calls.scorecard import band_text
from calls.store import SavedCall
from tui.review.model import labels_in


class SummaryPanel(Widget):
    """Draws ``call.summary``: talk share against the band, the other figures, counts per label.

    Lines are fitted to the width (an ellipsis marks what is left out; the
    label filter shows every label), so the panel stays three rows at 80x24.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "summary--figure",
        "summary--dim",
        "summary--ok",
        "summary--off",
        "summary--one-down",
        "summary--one-up",
    }

    def __init__(self, call: SavedCall, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.call = call

    def render(self) -> Text:
        s = self.call.summary
        style = self.get_component_rich_style
        fig, dim = style("summary--figure"), style("summary--dim")
        width = max(20, self.content_region.width)
        first = Text()
        verdict = s.share_verdict()
        if verdict is None:
            first.append("talk share n/a (rep-only recording)", dim)
        else:
            first.append("you ", dim)
            first.append(f"{(s.rep_share or 0) * 100:.0f}% ", fig)
            first.append(verdict.upper(), style("summary--ok" if verdict == "in band" else "summary--off"))
            first.append(f" (target {band_text(s)})", dim)
        patience = "n/a" if s.patience_s is None else f"{s.patience_s:.1f} s"
        for item in (
            Text.assemble(("longest ", dim), (f"{s.longest_rep_monologue_s:.0f} s", fig)),
            Text.assemble((str(s.questions), fig), (" questions", dim)),
            Text.assemble(("patience ", dim), (patience, fig)),
        ):
            _fit(first, item, width, dim)
        lines = [first]
        stances = {line.label: line.stance for line in self.call.rep_lines if line.label}
        for stance, glyph, name, count in (
            ("one-down", "▼", "One-Down", s.one_down),
            ("one-up", "▲", "One-Up", s.one_up),
        ):
            row = Text(f"{glyph} {name} {count}", style(f"summary--{stance}"))
            labels = [k for k in labels_in(self.call) if stances.get(k) == stance and k in s.labels]
            for i, k in enumerate(labels):
                if not _fit(row, Text(f"{k} {s.labels[k]}", dim), width, dim, sep=": " if i == 0 else " · "):
                    row.append(" …", dim)
                    break
            lines.append(row)
        return Text("\n").join(lines)


def _fit(row: Text, item: Text, width: int, sep_style: Style, sep: str = " · ") -> bool:
    """Append ``item`` when it fits in ``width`` cells (keeping room for an ellipsis); False when not."""
    if row.cell_len + len(sep) + item.cell_len > width - 2:
        return False
    row.append(sep, sep_style)
    row.append_text(item)
    return True
