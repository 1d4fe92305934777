"""How the review screen looks at 80x24 (SVG snapshots; update with --snapshot-update).

The journal is written with a fixed start time, so nothing on screen depends on the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from calls.replay import replay
from calls.store import load_call
from core.events import Label
from tests.review.journals import CALL, write_call
from tui.review.app import ReviewApp

SnapCompare = Callable[..., bool]


def app_for(tmp_path: Path, reclassify: bool = False) -> ReviewApp:
    path = write_call(tmp_path / "call.jsonl", started_at="2026-03-02T14:05:00+00:00")
    call = load_call(path)
    result = None
    if reclassify:

        class PitchIsTeaching:
            def classify(self, text: str, context: object) -> Label:
                said = next(s for s in CALL if s.text == text)
                if said.label == "solution_pitch":
                    return Label("teaching", "one-up", 0.8, "", "Nice.")
                return Label(said.label or "neutral", said.stance or "neutral", 0.9, said.evidence, said.note)

        result = replay(call, PitchIsTeaching(), "my-rules.toml")
    return ReviewApp(call, result)


def test_review_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24))


def test_review_one_down_only_after_a_search(snap_compare: SnapCompare, tmp_path: Path) -> None:
    keys = ["o", "slash", *"platform", "enter"]
    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), press=keys)


def test_review_reclassified(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path, reclassify=True), terminal_size=(80, 24), press=["x"])


def test_review_help(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), press=["question_mark"])


@pytest.mark.parametrize("size", [(120, 40)], ids=["120x40"])
def test_review_screen_large(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=size)
