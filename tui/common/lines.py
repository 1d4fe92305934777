"""The transcript base both screens draw with: Textual's Line API over pre-wrapped rows.

A call produces hundreds of lines, so each entry is wrapped once into strips
(again only when the width or the theme changes) and only the visible rows are
drawn; a widget per line made every new line re-lay-out the whole transcript.
Rows read "mm:ss Who text", wrapped text hanging under its first word.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.fmt import clock

GUTTER = 11
"""Width of "mm:ss Them ": wrapped text and notes hang under the words, clear of the time and name."""


class LineView(ScrollView):
    """Subclasses keep their entries, implement ``rewrap`` (re-wrap everything at the current width)
    and ``render_line``; this class owns the width, the wrapping helpers and the redraw triggers."""

    GUTTER: ClassVar[int] = GUTTER

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._width = 0
        """The width the current strips were wrapped at."""

    def rewrap(self) -> None:
        raise NotImplementedError

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def on_resize(self) -> None:
        if self._content_width() != self._width:
            self.rewrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self.rewrap()  # Strips carry styles: a theme change must redraw them.

    def head(self, at: float, who: Text, time_role: str) -> Text:
        """The first row's prefix: call time and who spoke."""
        return Text.assemble((clock(at), self.get_component_rich_style(time_role)), " ", who, " ")

    def hang(self, body: Text, width: int, first: Text | None = None) -> list[Text]:
        """Wrap ``body`` into the text column; the first row starts with ``first`` when given."""
        pad = Text(" " * GUTTER)
        rows = body.wrap(self.app.console, max(8, width - GUTTER))
        return [
            Text.assemble(first if i == 0 and first is not None else pad, row, style=self.rich_style)
            for i, row in enumerate(rows)
        ]

    def to_strip(self, text: Text, width: int) -> Strip:
        # Rich leaves span-less text unstyled (it expects the console to add the base style): add it here.
        segments = Segment.apply_style(text.render(self.app.console), style=self.rich_style)
        return Strip(list(segments)).adjust_cell_length(width, self.rich_style)

    def hint(self, message: str, role: str) -> Strip:
        """A one-row message for an empty view."""
        text = Text(message, style=self.get_component_rich_style(role))
        return self.to_strip(text, self.scrollable_content_region.width)

    def blank(self) -> Strip:
        return Strip.blank(self.scrollable_content_region.width, self.rich_style)


def overlay(style: Style) -> Style:
    """The background and emphasis of a component style, without its text colour.

    Applied over text that has its own colour (a label, a nudge): the full style
    would repaint it, and the partial style keeps translucent theme colours unblended.
    """
    return Style(bgcolor=style.bgcolor, bold=style.bold, underline=style.underline, reverse=style.reverse)
