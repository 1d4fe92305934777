"""The whole pipeline on real audio through the real model: synthesized calls with known turns,
and recorded human speech with reference transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audio.source import FileSource
from audio.synth import Turn, synthesize_call
from core.config import Config
from core.events import EndReason, Event, SessionEnded, Utterance
from core.journal import read_journal
from live.compose import build_session
from tests.conftest import requires_espeak
from tuning.wer import corpus_wer

TURNS = [
    Turn("rep", "Hi Dana, thanks for making the time today. How was your weekend?"),
    Turn("prospect", "It was good, thanks. We went hiking up north with the kids."),
    Turn("rep", "What would you say are the biggest challenges with your scheduling right now?", 0.8),
    Turn("prospect", "Mostly overtime. We keep paying people to cover shifts at the last minute.", 0.7),
    Turn("rep", "What we are seeing across the industry is that labor costs rose sharply this year.", 0.9),
    Turn("prospect", "That matches what our finance team keeps telling me.", 0.6),
    Turn("rep", "I would recommend that we bring your finance lead into the next meeting.", 1.0),
    Turn("prospect", "Okay, I can set that up for next Tuesday.", 0.7),
]


def run_pipeline(source: FileSource, whisper, journal: Path, cfg: Config | None = None) -> list[Event]:  # type: ignore[no-untyped-def]
    cfg = cfg or Config()
    events: list[Event] = []
    build_session(cfg, source, journal, paced=source.realtime, transcriber=whisper).run(events.append)
    return events


@requires_espeak
def test_two_speaker_call_text_attribution_talk_time_and_journal(whisper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    call = synthesize_call(TURNS)
    wav = tmp_path / "call.wav"
    call.write_wav(wav)
    journal = tmp_path / "call.jsonl"
    events = run_pipeline(FileSource(wav), whisper, journal)
    utts = [e for e in events if isinstance(e, Utterance)]
    assert isinstance(events[-1], SessionEnded) and events[-1].reason is EndReason.END_OF_AUDIO

    # Every turn is found, as one line or as consecutive sentence lines of the right speaker,
    # where it was spoken, and no line straddles two turns.
    for turn in call.turns:
        hits = [u for u in utts if u.start < turn.end_s and u.end > turn.start_s]
        assert hits and all(u.speaker == turn.speaker for u in hits), (turn.text, hits)
        assert hits[0].start == pytest.approx(turn.start_s, abs=0.25)
        assert hits[-1].end == pytest.approx(turn.end_s, abs=0.25)
        assert all(u.start >= turn.start_s - 0.25 and u.end <= turn.end_s + 0.25 for u in hits)

    # Per-speaker WER. espeak-ng's robotic voice through tiny.en measured 3-8% here;
    # 20% leaves room for CPU/library drift while still catching a broken pipeline (>50%).
    for speaker in ("rep", "prospect"):
        ref = " ".join(t.text for t in call.turns if t.speaker == speaker)
        hyp = " ".join(u.text for u in utts if u.speaker == speaker)
        assert corpus_wer([(ref, hyp)]) < 0.20, (speaker, hyp)

    # Talk time is voiced speech: within 10% of the synthesized turn durations.
    records, problems = read_journal(journal)
    assert not problems
    summary = records[-1]
    assert records[0]["type"] == "session" and summary["type"] == "summary"
    truth = call.talk_time()
    for speaker in ("rep", "prospect"):
        assert summary["talk_time"][speaker] == pytest.approx(truth[speaker], rel=0.10)
    assert summary["rep_share"] == pytest.approx(truth["rep"] / sum(truth.values()), abs=0.03)

    # Rep lines carry a label, stance and (one-down) a nudge; prospect lines don't.
    lines = [r for r in records if r["type"] == "utterance"]
    assert all((r["label"] is not None) == (r["speaker"] == "rep") for r in lines)
    assert all(r["nudge"] for r in lines if r["stance"] == "one-down")
    assert all(r["latency_s"] >= 0 for r in lines)
    md = journal.with_suffix(".md").read_text()
    assert "## Summary" in md and md.count("Rep:**") == sum(u.speaker == "rep" for u in utts) >= 4


@requires_espeak
def test_mono_file_is_rep_only_and_prospect_file_is_the_other_party(whisper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    call = synthesize_call(TURNS[:4])
    rep, pro = tmp_path / "rep.wav", tmp_path / "pro.wav"
    call.write_channels(rep, pro)
    events = run_pipeline(FileSource(rep), whisper, tmp_path / "a.jsonl")
    assert {e.speaker for e in events if isinstance(e, Utterance)} == {"rep"}
    events = run_pipeline(FileSource(rep, prospect=pro), whisper, tmp_path / "b.jsonl")
    speakers = [e.speaker for e in events if isinstance(e, Utterance)]
    turns = [s for i, s in enumerate(speakers) if i == 0 or speakers[i - 1] != s]  # sentence lines of a turn
    assert turns == ["rep", "prospect", "rep", "prospect"]


def test_recorded_speech_wer_through_the_pipeline(whisper, shared_speech: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Real human speech (LibriSpeech) through segmenter + worker, scored against references."""
    rows = [json.loads(line) for line in (shared_speech / "manifest.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["corpus"].startswith("LibriSpeech")][:8]
    pairs = []
    for i, r in enumerate(rows):
        events = run_pipeline(FileSource(shared_speech / r["audio"]), whisper, tmp_path / f"{i}.jsonl")
        pairs.append((r["text"], " ".join(e.text for e in events if isinstance(e, Utterance))))
    # tiny.en scores ~6-9% on clean LibriSpeech; 15% catches lost or garbled segments.
    assert corpus_wer(pairs) < 0.15, pairs


@pytest.mark.parametrize("kind", ["silence", "noise", "hum"])
def test_no_text_from_silence_noise_or_hum(whisper, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from audio.synth import _write_wav

    rng = np.random.default_rng(3)
    n = 16000 * 20
    t = np.arange(n) / 16000
    signal = {
        "silence": np.zeros(n),
        "noise": rng.normal(0, 3000, n),
        "hum": 6000 * np.sin(2 * np.pi * 50 * t) + 2000 * np.sin(2 * np.pi * 150 * t),
    }[kind]
    wav = tmp_path / f"{kind}.wav"
    _write_wav(wav, np.clip(signal, -32768, 32767).astype(np.int16), 16000)
    events = run_pipeline(FileSource(wav), whisper, tmp_path / "j.jsonl")
    assert [e.text for e in events if isinstance(e, Utterance)] == []


@requires_espeak
def test_prospect_bleeding_into_the_mic_is_not_the_rep(whisper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Speakers instead of headphones: the prospect leaks into the rep channel at -18 dB."""
    results = {}
    for bleed in (None, 18.0):
        call = synthesize_call(TURNS, bleed_db=bleed)
        wav = tmp_path / f"call-{bleed}.wav"
        call.write_wav(wav)
        events = run_pipeline(FileSource(wav), whisper, tmp_path / f"{bleed}.jsonl")
        utts = [e for e in events if isinstance(e, Utterance)]
        ref = " ".join(t.text for t in call.turns if t.speaker == "rep")
        rep_s = sum(u.voiced_s for u in utts if u.speaker == "rep")
        pro_s = sum(u.voiced_s for u in utts if u.speaker == "prospect")
        results[bleed] = (
            corpus_wer([(ref, " ".join(u.text for u in utts if u.speaker == "rep"))]),
            rep_s / (rep_s + pro_s),
            sum(u.speaker == "rep" for u in utts),
            [e for e in events if type(e).__name__ == "Advisory"],
        )
    clean, leaky = results[None], results[18.0]
    assert leaky[2] == clean[2] >= 4  # no extra "rep" lines made of echo
    assert leaky[0] <= clean[0] + 0.05  # rep transcript as good as the clean call
    assert leaky[1] == pytest.approx(clean[1], abs=0.02)  # talk share unchanged
    assert clean[3] == [] and len(leaky[3]) == 1  # "use headphones", once


def test_a_machine_that_cannot_keep_up_is_told_once(tmp_path: Path) -> None:
    """A slow model under real-time pacing: finals are all kept, the lag shows, one advisory."""
    import time as _time

    import numpy as np

    from audio.synth import _write_wav
    from core.events import Advisory, Status
    from live.guards import ChannelConfidence
    from live.transcriber import Transcription

    class Slow:
        """Stalls 13 s on its first utterance (a machine busy elsewhere), then keeps up."""

        name = "slow"
        calls = 0

        def warm(self) -> float:
            return 0.0

        def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
            self.calls += 1
            _time.sleep(13.0 if self.calls == 1 else 0.05)
            return Transcription("words", -0.2, 0.1)

    t = np.arange(16000 * 2) / 16000
    buzz = (3000 * sum(np.sin(2 * np.pi * f * t) for f in (120, 240, 360, 480))).astype(np.int16)
    gap = np.zeros(16000, dtype=np.int16)
    wav = tmp_path / "talk.wav"
    _write_wav(wav, np.concatenate([buzz, gap] * 8), 16000)
    cfg = Config().with_values({"vad.partial_interval_s": 0})
    events: list[Event] = []
    build_session(
        cfg, FileSource(wav, realtime=True), tmp_path / "j.jsonl", paced=True, transcriber=Slow()
    ).run(events.append)
    assert sum(isinstance(e, Utterance) for e in events) == 8  # nothing dropped
    assert max(e.queue_lag_s for e in events if isinstance(e, Status)) >= 8.0
    advice = [e.message for e in events if isinstance(e, Advisory)]
    assert len(advice) == 1 and "oneup bench" in advice[0]


def test_batched_call_gives_the_same_text_as_single_calls(whisper) -> None:  # type: ignore[no-untyped-def]
    from tuning.bench import demo_clips

    clips = demo_clips()[:2]
    single = [whisper.transcribe(c.audio).text for c in clips]
    batched = [t.text for t in whisper.transcribe_batch([c.audio for c in clips])]
    for one, both, clip in zip(single, batched, clips, strict=True):
        assert corpus_wer([(one, both)]) <= 0.05, (one, both)
        assert corpus_wer([(clip.text, both)]) < 0.3
    silence = whisper.transcribe_batch([np.zeros(32000, dtype=np.float32)])
    assert silence[0].text == ""


@requires_espeak
def test_partials_only_when_someone_watches(whisper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Interim rep text in a paced (live) session; none when a file runs as fast as possible.

    Extra interim requests are asked for (off by default: two sentences heard on 4 s or more each
    become lines at their pause, with no held phrase to show as interim text)."""
    from core.events import Partial

    call = synthesize_call([Turn("rep", TURNS[4].text + " " + TURNS[6].text), TURNS[7]])
    wav = tmp_path / "call.wav"
    call.write_wav(wav)
    cfg = Config().with_values({"vad.partial_interval_s": 1.5})
    fast = run_pipeline(FileSource(wav), whisper, tmp_path / "fast.jsonl", cfg)
    paced = run_pipeline(FileSource(wav, realtime=True), whisper, tmp_path / "paced.jsonl", cfg)
    assert not any(isinstance(e, Partial) for e in fast)
    partials = [e for e in paced if isinstance(e, Partial)]
    assert partials and all(p.speaker == "rep" for p in partials)
    last = partials[-1]  # a draft of the line (a sentence of the turn) that followed it
    final = next(e for e in paced if isinstance(e, Utterance) and e.speaker == "rep" and e.end > last.start)
    assert corpus_wer([(last.text, final.text[: len(last.text)])]) < 0.5
