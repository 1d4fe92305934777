"""Text written into the Markdown files oneup saves (``NAME.md``, the md scorecard)."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_<>\[\]|])")


def inline(text: str) -> str:
    """``text`` as one line of Markdown that shows what was said: the characters Markdown would read
    as emphasis, code, links, HTML or a table cell are escaped ("*sigh*" stays "*sigh*" in a viewer),
    and line breaks become spaces (a recognized "\\n> ..." would start a new quote)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))
