"""``oneup review``: a thin App around the widgets that own the review state.

Launch::

    ReviewApp(load_call(path), replay_or_none).run()
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, Static

from calls.replay import Replay
from calls.scorecard import when
from calls.store import SavedCall
from core.fmt import clock
from tui.format import plain_notify, short_path
from tui.review.help import ReviewHelp
from tui.review.model import Filter, build_entries, labels_in, next_label, next_speaker
from tui.review.summary import SummaryPanel
from tui.review.timeline import Timeline
from tui.review.transcript import ReviewTranscript, View


class ReviewApp(App[None]):
    """Reads one saved call; with a ``Replay``, also shows what the detector would label differently."""

    CSS_PATH = "review.tcss"
    TITLE = "oneup review"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("p", "speaker", "Speaker"),
        Binding("l", "label", "Label"),
        Binding("o", "one_down", "One-Down"),
        Binding("x", "changed", "Changed"),
        Binding("c", "clear", "Clear", show=False),
        Binding("escape", "clear", "Clear", show=False),
        Binding("s", "panel('#summary')", "Summary", show=False),
        Binding("t", "panel('#timeline')", "Timeline", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, call: SavedCall, replay: Replay | None = None) -> None:
        super().__init__()
        self.call = call
        self.replay = replay
        self._labels = labels_in(call)

    def compose(self) -> ComposeResult:
        yield SummaryPanel(self.call, id="summary")
        yield Timeline(self.call, id="timeline")
        changes = self.replay.changes if self.replay else ()
        transcript = ReviewTranscript(build_entries(self.call, changes), id="transcript")
        cut = " · cut: figures recomputed" if self.call.summary.recomputed else ""
        transcript.border_title = f"Call {when(self.call)} · {clock(self.call.summary.duration_s)}{cut}"
        transcript.border_subtitle = Text(short_path(self.call.path.name, 40))  # a name, not markup
        yield transcript
        yield Input(placeholder="search the call (enter: find, esc: cancel)", id="search")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ReviewTranscript).focus()
        if self.call.problems:
            n = len(self.call.problems)
            self.notify(
                f"{n} bad journal line{'s' * (n != 1)} skipped (listed on stderr)", severity="warning"
            )
        if self.replay is not None:
            r = self.replay
            self.notify(
                f"{len(r.changes)} of {r.checked} rep lines relabelled with {r.rules} · x: only those"
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "changed":
            return self.replay is not None
        return True

    # Routing between widgets.

    def on_review_transcript_changed(self, message: ReviewTranscript.Changed) -> None:
        # ``query``, not ``query_one``: a late message can arrive while the screen is being torn down.
        for timeline in self.query(Timeline):
            timeline.cursor_at = message.view.cursor_at
        for line in self.query("#status").results(Static):
            line.update(Text(status_text(message.view, self.replay)))  # plain text: "[/]" is no markup

    def on_timeline_seek(self, message: Timeline.Seek) -> None:
        self.query_one(ReviewTranscript).go_to_time(message.at)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        box = message.input
        box.display = False
        transcript = self.query_one(ReviewTranscript)
        transcript.focus()
        if not transcript.search(message.value):
            plain_notify(self, f"No match for “{message.value.strip()}” in what is shown", timeout=3)

    # Keys.

    def _transcript(self) -> ReviewTranscript:
        return self.query_one(ReviewTranscript)

    def _refilter(self, **change: object) -> None:
        t = self._transcript()
        current = t.filter
        values = {
            "speaker": current.speaker,
            "label": current.label,
            "one_down_only": current.one_down_only,
            "changed_only": current.changed_only,
            **change,
        }
        t.set_filter(Filter(**values))  # type: ignore[arg-type]

    def action_speaker(self) -> None:
        self._refilter(speaker=next_speaker(self._transcript().filter.speaker))

    def action_label(self) -> None:
        self._refilter(label=next_label(self._transcript().filter.label, self._labels))

    def action_one_down(self) -> None:
        self._refilter(one_down_only=not self._transcript().filter.one_down_only)

    def action_changed(self) -> None:
        self._refilter(changed_only=not self._transcript().filter.changed_only)

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:
            box.display = False
            self._transcript().focus()
            return
        t = self._transcript()
        t.set_filter(Filter())
        t.search("")

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = self._transcript().search_text
        box.display = True
        box.focus()

    def action_panel(self, selector: str) -> None:
        widget = self.query_one(selector)
        widget.display = not widget.display

    def action_help(self) -> None:
        if not isinstance(self.screen, ReviewHelp):
            self.push_screen(ReviewHelp())


def status_text(view: View, replay: Replay | None = None) -> str:
    """The status line: what is shown, the search, the replay's effect, where the cursor is."""
    parts = [f"showing {view.filter.describe()} ({view.shown}/{view.total})"]
    if replay is not None:
        parts.append(
            f"⟳ {len(replay.changes)} relabelled, One-Down {replay.one_down_before}→{replay.one_down_after}"
        )
    if view.query:
        found = f"{view.match}/{view.matches}" if view.match else f"{view.matches} matches"
        parts.append(f"search “{view.query}”: {found}")
    if view.cursor_at is not None:
        parts.append(f"at {clock(view.cursor_at)}")
    return " · ".join(parts)
