"""The recorded service call with the agent as the rep: what a coach says about real, heard lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio.source import FileSource
from classifiers.cues import COURTESY
from classifiers.text import normalize, split_parts
from core.config import Config
from live.compose import build_session


@pytest.mark.slow
def test_the_agents_closing_courtesy_is_not_accused(whisper, shared_speech: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Part 2 ends with the agent's "My pleasure, is that anything else I can help you with?" (as tiny.en
    hears it), which the detector's head reads as `neediness` (0.77 live before ``cues.COURTESY``). Heard
    through the real pipeline, that line is journaled neutral, sure, with no nudge."""
    call_path = shared_speech / "conversation" / "stereo_call_aws_lca_autorepairs40_part2.flac"
    if not call_path.exists():
        pytest.skip("the stereo phone call is not in shared/speech/conversation")
    import ctranslate2

    ctranslate2.set_random_seed(0)
    journal = tmp_path / "service.jsonl"
    source = FileSource(call_path, rep_channel=1)
    session = build_session(Config(), source, journal, paced=False, transcriber=whisper)
    session.run(lambda _e: None)
    records = [json.loads(x) for x in journal.read_text().splitlines()]
    rep = [r for r in records if r["type"] == "utterance" and r["speaker"] == "rep"]
    closing = [r for r in rep if any(COURTESY.search(normalize(part)) for part in split_parts(r["text"]))]
    assert closing, [r["text"] for r in rep]
    ids = {r["id"] for r in closing}
    revised = [r for r in records if r["type"] == "revision" and r["id"] in ids]
    for r in (*closing, *revised):
        assert (r["label"], r["unsure"], r["nudge"]) == ("neutral", False, None), r
    assert not any(r["nudge_shown"] for r in closing)
