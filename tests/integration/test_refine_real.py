"""The refine pass through the real model: revisions are journaled by id, readers use them, and the
saved transcript is no worse than the live text (real recorded speech, clean and under babble)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audio.source import FileSource
from calls.store import load_call
from core.config import Config
from core.events import Event
from live.compose import build_session
from tests.integration.test_noisy_guards import BABBLE, _babble, _load, _mix, _write
from tuning.wer import corpus_wer

CLIPS = (
    "librispeech_1040-133433-0000.flac",
    "librispeech_2007-132570-0000.flac",
    "librispeech_26-495-0000.flac",
    "librispeech_32-21625-0000.flac",
    "ljspeech_LJ001-0003.wav",
    "cmuarctic_slt_arctic_a0002.wav",
    "librispeech_445-123857-0000.flac",
)
"""Clean and babble-drowned (0 dB) clips in turn; the last one the live pass cuts short
(an early stop: about two thirds of its words lost), which the refine pass recovers."""


@pytest.mark.slow
def test_refined_transcript_is_journaled_by_id_and_no_worse(
    whisper, shared_speech: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    refs = {
        json.loads(x)["audio"]: json.loads(x)["text"]
        for x in (shared_speech / "manifest.jsonl").read_text().splitlines()
    }
    assert not set(CLIPS) & set(BABBLE)
    pieces = []
    for i, name in enumerate(CLIPS):
        clean = _load(shared_speech / name)
        pieces.append(_mix(clean, _babble(shared_speech, clean.size), 0.0) if i % 2 else clean)
    wav = tmp_path / "stream.wav"
    _write(wav, pieces)
    import ctranslate2

    ctranslate2.set_random_seed(0)  # temperature fallback samples: the same run whatever ran before
    journal = tmp_path / "stream.jsonl"
    events: list[Event] = []
    session = build_session(Config(), FileSource(wav), journal, paced=False, transcriber=whisper)
    session.run(events.append)

    records = [json.loads(x) for x in journal.read_text().splitlines()]
    ids = [r["id"] for r in records if r["type"] == "utterance"]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
    revisions = [r for r in records if r["type"] == "revision"]
    assert session.refined_windows >= 2 and session.revisions == len(revisions) >= 1
    assert {r["id"] for r in revisions} <= set(ids)
    assert records[-1]["type"] == "summary"  # revisions come before the summary: refined within the run
    assert max(i for i, r in enumerate(records) if r["type"] == "revision") < len(records) - 1

    call = load_call(journal)
    reference = " ".join(refs[n] for n in CLIPS)
    live = " ".join(x.live_text if x.live_text is not None else x.text for x in call.lines)
    refined = " ".join(x.text for x in call.lines)
    assert corpus_wer([(reference, refined)]) <= corpus_wer([(reference, live)]) + 0.01
    assert journal.with_suffix(".md").read_text().count(call.lines[0].text[:20]) >= 1
    assert np.isfinite(corpus_wer([(reference, refined)]))


@pytest.mark.slow
def test_a_real_stereo_phone_call_keeps_every_sentence_and_never_loops(
    whisper, shared_speech: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The recorded phone call (one speaker per channel, 8 kHz upsampled): two real speakers talking
    over each other's pauses. No utterance over 6 words per second, speech without text journaled,
    revisions refer to real utterances and come before the summary."""
    call_path = shared_speech / "conversation" / "stereo_call_aws_lca_autorepairs40_part1.flac"
    if not call_path.exists():
        pytest.skip("the stereo phone call is not in shared/speech/conversation")
    import ctranslate2

    ctranslate2.set_random_seed(0)
    journal = tmp_path / "phone.jsonl"
    session = build_session(Config(), FileSource(call_path), journal, paced=False, transcriber=whisper)
    session.run(lambda _e: None)
    records = [json.loads(x) for x in journal.read_text().splitlines()]
    utts = {r["id"]: r for r in records if r["type"] == "utterance"}
    assert {r["speaker"] for r in utts.values()} == {"rep", "prospect"} and len(utts) >= 20
    for (
        r
    ) in utts.values():  # per second of the utterance's audio (with the VAD's 0.24 s pre-roll and hangover)
        assert len(r["text"].split()) <= 6 * max(r["end"] - r["start"] + 0.4, 1.0), r
    for r in records:
        if r["type"] == "revision":
            assert r["id"] in utts and r["text"]
        if r["type"] == "dropped":
            assert r["reason"]
    assert records[-1]["type"] == "summary" and session.refined_windows >= 2
