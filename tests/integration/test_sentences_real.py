"""Sentence lines mid-monologue, on synthesized speech through the real model at real-time pace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio.source import FileSource
from audio.synth import SynthCall, Turn, synthesize_call
from core.config import Config
from core.events import Event, Utterance
from live.compose import build_session
from live.transcriber import WhisperTranscriber
from tests.conftest import requires_espeak
from tuning.latency import EmittedLine, RefSentence, completing_lines
from tuning.wer import corpus_wer

MONOLOGUE = [
    "Thanks for walking me through how your team schedules the warehouse shifts today.",
    "Our scheduling tool predicts who will call in sick and offers open shifts to your workers by text.",
    "Over the last year overtime rules changed in four of the states you operate in.",
    "Most teams like yours find that the schedule is already wrong by Tuesday.",
    "So whatever works best for you on next steps, just let me know.",
]


def run_realtime(
    whisper: WhisperTranscriber, turns: list[Turn], tmp_path: Path, settings: dict[str, object]
) -> tuple[SynthCall, list[Event], list[dict[str, Any]]]:
    """``turns`` synthesized and played at real-time pace through the real model (no refine pass):
    the call, the events, and the journal's utterance lines."""
    call = synthesize_call(turns)
    wav = tmp_path / "call.wav"
    call.write_wav(wav)
    journal = tmp_path / "call.jsonl"
    events: list[Event] = []
    cfg = Config().with_values({"refine.enabled": False, **settings})
    build_session(cfg, FileSource(wav, realtime=True), journal, paced=True, transcriber=whisper).run(
        events.append
    )
    records = [json.loads(x) for x in journal.read_text().splitlines()]
    return call, events, [r for r in records if r["type"] == "utterance"]


@requires_espeak
def test_a_monologue_is_finalized_sentence_by_sentence_while_it_goes_on(whisper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    turns = [Turn("rep", text, gap_before_s=0.8 if i == 0 else 0.35) for i, text in enumerate(MONOLOGUE)]
    call, events, utts = run_realtime(whisper, turns, tmp_path, {})

    lines = [e for e in events if isinstance(e, Utterance) and e.speaker == "rep"]
    refs = [RefSentence(t.text, t.end_s) for t in call.turns]
    assert corpus_wer([(" ".join(MONOLOGUE), " ".join(u.text for u in lines))]) < 0.25
    assert len(lines) >= 4, [u.text for u in lines]  # one line per sentence, give or take a merge
    done = completing_lines(refs, [EmittedLine(r["text"], r["emitted_at"]) for r in utts])
    # Each of the first four sentences reached the journal before the monologue's last sentence ended:
    # with finals only at a 0.6 s pause, all five would wait for the end of the turn.
    for i in range(4):
        line = done[i]
        assert line is not None and utts[line]["emitted_at"] < call.turns[-1].end_s, (i, utts)
    # The pitch was presented as One-Down on its own line, with its nudge written there.
    pitch = done[1]
    assert pitch is not None and utts[pitch]["stance"] == "one-down" and utts[pitch]["nudge"]
    # Talk time is the sum of the sentences' voice: the cut never counts audio twice.
    talk = sum(t.end_s - t.start_s for t in call.turns)
    assert abs(sum(u.voiced_s for u in lines) - talk) < 0.15 * talk


@requires_espeak
def test_transcribe_after_keeps_only_the_words_after_the_context(whisper) -> None:  # type: ignore[no-untyped-def]
    first = "Our scheduling tool predicts who will call in sick."
    second = "Let me pull up my calendar for Thursday."
    call = synthesize_call([Turn("rep", first, gap_before_s=0.3), Turn("rep", second, gap_before_s=0.4)])
    audio = call.rep.astype(np.float32) / 32768
    cut = (call.turns[0].end_s + call.turns[1].start_s) / 2
    heard = whisper.transcribe_after(audio, cut, cut)
    assert corpus_wer([(second, heard.text)]) < 0.3, heard.text
    assert "sick" not in heard.text.lower() and "scheduling" not in heard.text.lower()


@requires_espeak
def test_sentences_spoken_without_a_pause_get_their_own_lines(whisper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The shortest gap the synthesizer allows between sentences is 0.2 s; with phrase pauses set
    # longer than that, nothing but the soft cuts (every ``vad.soft_cut_s``) cuts the speech.
    turns = [Turn("rep", text, gap_before_s=0.8 if i == 0 else 0.2) for i, text in enumerate(MONOLOGUE)]
    call, _, utts = run_realtime(whisper, turns, tmp_path, {"vad.phrase_pause_ms": 450})
    assert corpus_wer([(" ".join(MONOLOGUE), " ".join(u["text"] for u in utts))]) < 0.25
    refs = [RefSentence(t.text, t.end_s) for t in call.turns]
    done = completing_lines(refs, [EmittedLine(r["text"], r["emitted_at"]) for r in utts])
    # Soft cuts every few seconds, split at the sentence ends the decode found: the first sentences
    # are written while the speech goes on, not at its end (or at max_utterance_s).
    early = [i for i in done[:3] if i is not None and utts[i]["emitted_at"] < call.turns[-1].start_s]
    assert len(early) >= 2, utts
    assert all(u["end"] - u["start"] <= 12.0 for u in utts), utts


@requires_espeak
@pytest.mark.parametrize(("peek_s", "early"), [(1.5, True), (0.0, False)])
def test_a_short_first_sentence_is_written_once_the_next_words_confirm_it(  # type: ignore[no-untyped-def]
    whisper, tmp_path: Path, peek_s: float, early: bool
) -> None:
    # A sentence too short to be a line alone (heard on under 4 s of audio), then a long one: the
    # short one is held for the next words. With a look ahead it is written 1.5 s into the long one;
    # without, only when the long one is cut (its end, or a soft cut).
    short = "Thanks, that helps."
    long = MONOLOGUE[1]  # 6 s: "Our scheduling tool predicts who will call in sick and offers ..."
    turns = [Turn("rep", short, gap_before_s=0.8), Turn("rep", long, gap_before_s=0.3)]
    call, _, utts = run_realtime(whisper, turns, tmp_path, {"vad.peek_s": peek_s})
    assert corpus_wer([(f"{short} {long}", " ".join(u["text"] for u in utts))]) < 0.25, utts
    refs = [RefSentence(t.text, t.end_s) for t in call.turns]
    first, _ = completing_lines(refs, [EmittedLine(r["text"], r["emitted_at"]) for r in utts])
    assert first is not None and "thanks" in utts[first]["text"].lower() and "tool" not in utts[first]["text"]
    written = utts[first]["emitted_at"]
    assert (written < call.turns[1].start_s + 3.0) is early, (written, call.turns[1].start_s, utts)
