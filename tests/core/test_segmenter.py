"""The VAD segmenter on byte strings: an energy 'VAD' stands in for webrtcvad where timing must be exact."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from audio.segmenter import SPLIT_SEARCH_S, Segmenter, webrtc_is_speech
from core.config import VadConfig
from core.events import SAMPLE_RATE, AudioFrame, SpeechSegment


def energy_vad(pcm: bytes) -> bool:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    return float(np.sqrt(np.mean(x * x))) > 500


def tone(seconds: float, amp: int = 8000, freq: float = 220.0) -> bytes:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * SAMPLE_RATE) * 2)


def run(
    pcm: bytes,
    cfg: VadConfig | None = None,
    block_ms: int = 20,
    partials: bool = False,
    vad=energy_vad,
    peeks: bool = False,
) -> list[SpeechSegment]:
    seg = Segmenter("rep", cfg or VadConfig(), vad, partials=partials, peeks=peeks)
    out: list[SpeechSegment] = []
    step = SAMPLE_RATE * block_ms // 1000 * 2
    for i, off in enumerate(range(0, len(pcm), step)):
        out += seg.push(AudioFrame("rep", pcm[off : off + step], off / (2 * SAMPLE_RATE)), now=float(i))
    return out + seg.flush()


def test_silence_gives_nothing() -> None:
    assert run(silence(10)) == []


NO_PHRASES = VadConfig(phrase_pause_ms=0)
"""Utterances only (no phrase cut at a pause, no closing segment): for tests of something else."""


def test_two_bursts_two_utterances_with_exact_times() -> None:
    audio = silence(1.0) + tone(2.0) + silence(1.5) + tone(1.2) + silence(1.0)
    segs = run(audio, NO_PHRASES)
    # Times are quantized to the 30 ms VAD frame that contains the onset/offset.
    assert [s.start for s in segs] == pytest.approx([1.0, 4.5], abs=0.031)
    assert [s.end for s in segs] == pytest.approx([3.0, 5.7], abs=0.031)
    assert [s.voiced_s for s in segs] == pytest.approx([2.0, 1.2], abs=0.031)
    assert all(s.final for s in segs)


def test_preroll_and_hangover_are_in_the_audio_but_not_in_talk_time() -> None:
    cfg = VadConfig(preroll_ms=240, phrase_pause_ms=0)
    (seg,) = run(silence(1.0) + tone(1.0) + silence(1.0), cfg)
    seconds = len(seg.pcm) / (2 * SAMPLE_RATE)
    assert seconds == pytest.approx(1.0 + 0.24 + 0.15, abs=0.031)
    assert seg.voiced_s == pytest.approx(1.0, abs=0.031)


def test_short_pause_does_not_split_but_long_pause_does() -> None:
    cfg = VadConfig(end_silence_ms=600, phrase_pause_ms=0)
    assert len(run(tone(1) + silence(0.4) + tone(1) + silence(1), cfg)) == 1
    assert len(run(tone(1) + silence(0.8) + tone(1) + silence(1), cfg)) == 2


def test_click_shorter_than_min_voiced_is_dropped() -> None:
    assert run(silence(0.5) + tone(0.15) + silence(1.0), VadConfig(min_voiced_ms=300)) == []


def test_block_size_does_not_change_the_result() -> None:
    audio = silence(0.7) + tone(1.3) + silence(0.9) + tone(0.8) + silence(1)
    ref = [(s.start, s.end, s.voiced_s, s.pcm) for s in run(audio, block_ms=30)]
    for block in (10, 20, 64, 250):
        assert [(s.start, s.end, s.voiced_s, s.pcm) for s in run(audio, block_ms=block)] == ref


def test_long_speech_is_split_at_the_quiet_gap_near_the_limit() -> None:
    # 9 s of speech, a 0.3 s dip (shorter than end_silence), then 4 s more: limit 10 s.
    cfg = VadConfig(max_utterance_s=10.0, end_silence_ms=600, soft_cut_s=0, phrase_pause_ms=0)
    segs = run(tone(9.0) + silence(0.3) + tone(4.0) + silence(1.0), cfg)
    assert len(segs) == 2
    assert segs[0].end == pytest.approx(9.0, abs=0.031)
    assert segs[1].start == pytest.approx(9.3, abs=0.031)
    assert sum(s.voiced_s for s in segs) == pytest.approx(13.0, abs=0.07)


def test_continuous_speech_never_exceeds_the_limit() -> None:
    segs = run(tone(40.0) + silence(1.0), VadConfig(max_utterance_s=12.0))
    assert len(segs) >= 4
    assert all(len(s.pcm) / (2 * SAMPLE_RATE) <= 12.0 + 0.5 for s in segs)
    assert sum(s.voiced_s for s in segs) == pytest.approx(40.0, abs=0.1)


def test_partials_are_interim_and_precede_the_final() -> None:
    cfg = VadConfig(partial_interval_s=1.0, phrase_pause_ms=0)
    segs = run(tone(4.0) + silence(1.0), cfg, partials=True)
    partial = [s for s in segs if not s.final]
    assert len(partial) == 3
    assert segs[-1].final
    assert all(len(p.pcm) < len(segs[-1].pcm) for p in partial)


def test_received_at_is_the_arrival_time_of_the_closing_frame() -> None:
    (seg,) = run(tone(1.0) + silence(1.0), VadConfig(end_silence_ms=600, phrase_pause_ms=0), block_ms=100)
    # 100 ms blocks: voice ends in block 9, 600 ms of silence complete in block 16.
    assert seg.received_at == 16.0


def test_a_phrase_is_cut_at_the_pause_before_the_speaker_resumes_or_the_turn_ends() -> None:
    cfg = VadConfig(end_silence_ms=600, phrase_pause_ms=150)
    phrase, closing = run(tone(1.2) + silence(1.0), cfg, block_ms=100)
    # Voice ends in block 11 (1.2 s); the 5th silent 30 ms frame (1.32-1.35 s) arrives in block 13,
    # long before the speaker could resume or the utterance end.
    assert phrase.phrase and phrase.received_at == 13.0
    assert phrase.voiced_s == pytest.approx(1.2, abs=0.031)
    assert _ends(phrase) == pytest.approx(1.35, abs=0.031)  # the hangover, as a cut on resuming has
    # The turn ends with a closing segment of silence that tiles with the phrase (the joiner's cue to
    # write what it holds), when the utterance ends: 600 ms after the voice.
    assert not closing.phrase and closing.final and closing.voiced_s == 0.0
    assert closing.pcm_start == pytest.approx(_ends(phrase), abs=1e-6)
    assert closing.received_at == 17.0  # the 20th silent frame (1.77-1.80 s) arrives in block 17


def test_real_webrtcvad_on_speechlike_bytes() -> None:
    rng = np.random.default_rng(1)
    # Amplitude-modulated harmonic buzz: voiced to webrtcvad, unlike pure silence.
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    buzz = sum(np.sin(2 * np.pi * f * t) for f in (120, 240, 360, 480, 720))
    voice = 3000 * buzz * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) + rng.normal(0, 50, t.size)
    audio = silence(1.0) + voice.astype("<i2").tobytes() + silence(1.0)
    segs = run(audio, NO_PHRASES, vad=webrtc_is_speech(2))
    assert len(segs) == 1
    assert segs[0].start == pytest.approx(1.0, abs=0.2)
    assert segs[0].end == pytest.approx(3.0, abs=0.2)


def _ends(seg: SpeechSegment) -> float:
    return seg.pcm_start + len(seg.pcm) / (2 * SAMPLE_RATE)


def test_a_short_pause_cuts_a_phrase_that_tiles_the_audio() -> None:
    cfg = VadConfig(end_silence_ms=600, phrase_pause_ms=210)
    first, second, closing = run(tone(1.2) + silence(0.3) + tone(1.2) + silence(1), cfg)
    assert first.phrase and second.phrase and not closing.phrase and closing.voiced_s == 0.0
    assert _ends(first) == pytest.approx(second.pcm_start, abs=1e-6)
    assert _ends(second) == pytest.approx(closing.pcm_start, abs=1e-6)
    assert first.voiced_s + second.voiced_s == pytest.approx(2.4, abs=0.07)
    assert first.end == pytest.approx(1.2, abs=0.031) and second.start == pytest.approx(1.5, abs=0.031)
    assert _ends(first) < second.start  # the cut lies inside the pause


def test_no_phrase_for_a_pause_shorter_than_phrase_pause_or_when_off() -> None:
    audio = tone(1.2) + silence(0.15) + tone(1.2) + silence(1)
    whole, _closing = run(audio, VadConfig(phrase_pause_ms=210))  # cut only at the final pause
    assert whole.voiced_s == pytest.approx(2.4, abs=0.07)
    assert len(run(tone(1.2) + silence(0.3) + tone(1.2) + silence(1), VadConfig(phrase_pause_ms=0))) == 1


def test_a_phrase_needs_a_second_of_voice() -> None:
    seg, closing = run(tone(0.5) + silence(0.3) + tone(1.2) + silence(1), VadConfig(phrase_pause_ms=210))
    assert seg.voiced_s == pytest.approx(1.7, abs=0.07) and closing.voiced_s == 0.0  # no cut after 0.5 s
    (short,) = run(tone(0.8) + silence(1), VadConfig(phrase_pause_ms=210))
    assert not short.phrase  # nor at the end of a turn with less voice: one segment, as without phrases


def test_after_a_phrase_the_closing_segment_comes_even_with_little_voice() -> None:
    # A held phrase must never be stranded: the turn's end is emitted below min_voiced_ms too.
    cfg = VadConfig(phrase_pause_ms=210, min_voiced_ms=300)
    first, second = run(tone(1.2) + silence(0.3) + tone(0.18) + silence(1), cfg)
    assert first.phrase and not second.phrase and second.voiced_s < 0.3


def test_partials_after_a_phrase_cover_only_the_new_phrase() -> None:
    cfg = VadConfig(phrase_pause_ms=210, partial_interval_s=0.5)
    out = run(tone(1.2) + silence(0.3) + tone(2.0) + silence(1), cfg, partials=True)
    phrase = next(s for s in out if s.phrase)
    later = [s for s in out if not s.final and s.pcm_start > phrase.start]
    assert later and all(s.pcm_start >= _ends(phrase) - 1e-6 for s in later)
    assert all(s.voiced_s >= 0.5 - 0.031 for s in later)  # the interval counts from the new voice


def test_a_pause_longer_than_the_length_cap_ends_the_turn_without_a_crash() -> None:
    """``end_silence_ms`` longer than ``max_utterance_s``: after a pause cut the silence (or the voice
    resuming just as it reaches the cap) closes the turn; nothing is lost, the segments tile."""
    cfg = VadConfig(end_silence_ms=2500, max_utterance_s=2.0, soft_cut_s=0)
    for pause in (2.1, 1.86, 1.5):
        segs = run(tone(1.5) + silence(pause) + tone(1.2) + silence(3.0), cfg, block_ms=30)
        assert sum(s.voiced_s for s in segs) == pytest.approx(2.7, abs=0.07)
        assert segs[0].phrase and any(s.voiced_s == 0 and not s.phrase for s in segs)
        assert all(_ends(a) <= b.pcm_start + 1e-6 for a, b in itertools.pairwise(segs))


def test_after_a_flush_frames_keep_their_own_call_time() -> None:
    # A pause flushes mid-frame (20 ms blocks, 30 ms VAD frames): the leftover must not
    # carry its old start time into audio that resumes a minute later.
    seg = Segmenter("rep", NO_PHRASES, energy_vad)
    step = SAMPLE_RATE * 20 // 1000 * 2
    audio = tone(1.0) + silence(0.01)
    for off in range(0, len(audio), step):
        seg.push(AudioFrame("rep", audio[off : off + step], off / (2 * SAMPLE_RATE)))
    seg.flush()
    later = silence(0.3) + tone(1.0) + silence(1.0)
    out: list[SpeechSegment] = []
    for off in range(0, len(later), step):
        out += seg.push(AudioFrame("rep", later[off : off + step], 60.0 + off / (2 * SAMPLE_RATE)))
    (resumed,) = out
    assert resumed.start == pytest.approx(60.3, abs=0.031)


def test_phrase_cuts_are_off_when_not_shorter_than_the_end_silence() -> None:
    cfg = VadConfig(end_silence_ms=150)  # the default phrase pause (150 ms) would never fire first
    assert len(run(tone(1.2) + silence(0.5) + tone(1.2) + silence(1), cfg)) == 2
    assert all(not s.phrase for s in run(tone(1.2) + silence(0.5) + tone(1.2) + silence(1), cfg))


def test_speech_with_no_pause_is_cut_softly_at_its_quietest_recent_frame() -> None:
    # 4.5 s of speech, 90 ms softer but still voiced (no pause at all), 3 s more.
    audio = tone(4.5) + tone(0.09, amp=1000) + tone(3.0) + silence(1.0)
    first, second, closing = run(audio, VadConfig(soft_cut_s=5.0))
    assert first.phrase and first.soft and not second.soft and second.phrase and closing.voiced_s == 0
    assert 4.5 - 0.031 <= _ends(first) <= 4.59 + 0.031  # inside the soft stretch
    assert _ends(first) == pytest.approx(second.pcm_start, abs=1e-6)  # tiles: no audio lost
    assert first.voiced_s + second.voiced_s == pytest.approx(7.59, abs=0.07)


def test_a_soft_cut_in_a_gap_the_vad_heard_as_silence_is_a_plain_phrase() -> None:
    """A 60 ms gap (shorter than the 150 ms phrase pause) in the soft cut's search stretch: the cut
    falls in it, so no word is split and the phrase is not ``soft`` (its sentence end is trusted)."""
    audio = tone(4.5) + silence(0.06) + tone(3.0) + silence(1.0)
    first, second, closing = run(audio, VadConfig(soft_cut_s=5.0))
    assert first.phrase and not first.soft and second.phrase and closing.voiced_s == 0
    assert 4.5 - 0.031 <= _ends(first) <= 4.56 + 0.031  # in the gap
    assert _ends(first) == pytest.approx(second.pcm_start, abs=1e-6)  # tiles: no audio lost


def test_soft_cuts_are_off_at_zero_or_with_phrase_cuts_off() -> None:
    audio = tone(4.5) + tone(0.09, amp=1000) + tone(3.0) + silence(1.0)
    assert [s.soft for s in run(audio, VadConfig(soft_cut_s=0))] == [False, False]  # the final pause's cut
    assert len(run(audio, VadConfig(soft_cut_s=5.0, phrase_pause_ms=0))) == 1


def test_long_speech_is_cut_softly_every_few_seconds_never_past_the_limit() -> None:
    segs = run(tone(17.0) + silence(1.0), VadConfig(soft_cut_s=4.0, max_utterance_s=15.0))
    *softs, last, closing = segs
    assert len(softs) >= 4 and all(s.soft for s in softs) and not last.soft and closing.voiced_s == 0
    assert all(2.9 <= len(s.pcm) / (2 * SAMPLE_RATE) <= 4.05 for s in softs)
    assert sum(s.voiced_s for s in segs) == pytest.approx(17.0, abs=0.1)
    assert all(_ends(a) == pytest.approx(b.pcm_start, abs=1e-6) for a, b in itertools.pairwise(segs))


def test_the_length_cap_closes_a_held_phrase_and_the_rest_starts_afresh() -> None:
    """A phrase, then speech with no pause up to ``max_utterance_s`` (soft cuts off): the cap's
    segment is no phrase (it closes what the joiner holds), nothing is lost, and the rest of the
    speech is a new utterance within the cap too."""
    cfg = VadConfig(phrase_pause_ms=210, soft_cut_s=0, max_utterance_s=8.0)
    segs = run(tone(1.2) + silence(0.3) + tone(12.0) + silence(1.0), cfg)
    assert [s.phrase for s in segs] == [True, False, True, False]
    phrase, capped, rest, _closing = segs
    assert _ends(phrase) == pytest.approx(capped.pcm_start, abs=1e-6)  # tiles with the held phrase
    assert 8.0 - SPLIT_SEARCH_S - 0.1 <= len(capped.pcm) / (2 * SAMPLE_RATE) <= 8.0
    assert rest.start >= capped.end and rest.end - rest.start <= 8.0
    assert _ends(capped) == pytest.approx(rest.pcm_start, abs=0.25)  # the cap's own cut keeps its preroll
    assert sum(s.voiced_s for s in segs) == pytest.approx(13.2, abs=0.1)


def test_a_look_ahead_follows_a_phrase_cut_once_the_speaker_has_gone_on_for_peek_s() -> None:
    cfg = VadConfig(phrase_pause_ms=210, peek_s=1.0)
    audio = tone(1.2) + silence(0.3) + tone(2.5) + silence(1)
    first, peek, second, closing = run(audio, cfg, peeks=True)
    assert first.phrase and not first.peek and peek.peek and peek.final and not second.peek
    assert peek.pcm_start == pytest.approx(_ends(first), abs=1e-6)  # tiles with the held phrase
    assert second.pcm_start == peek.pcm_start and len(second.pcm) > len(peek.pcm)  # untouched by it
    assert peek.start == pytest.approx(1.5, abs=0.031)
    assert _ends(peek) == pytest.approx(1.5 + 1.0, abs=0.061)  # peek_s into the new speech
    assert closing.voiced_s == 0
    # Without look aheads (the default, or peek_s 0) the same audio gives the same cuts, no peek.
    plain = run(audio, cfg)
    assert plain == [s for s in (first, second, closing)]
    assert [s.peek for s in run(audio, VadConfig(phrase_pause_ms=210, peek_s=0), peeks=True)] == [False] * 3


def test_a_look_ahead_follows_a_soft_cut_too_and_never_outlives_the_next_cut() -> None:
    # A soft cut at 5 s, then 3 s more: a look ahead 1.5 s after the cut.
    audio = tone(4.5) + tone(0.09, amp=1000) + tone(3.0) + silence(1.0)
    out = run(audio, VadConfig(soft_cut_s=5.0, peek_s=1.5), peeks=True)
    assert [s.peek for s in out] == [False, True, False, False]
    assert out[1].pcm_start == pytest.approx(_ends(out[0]), abs=1e-6)
    # The speaker pauses again before peek_s: the next phrase is cut first, and no look ahead comes.
    cfg = VadConfig(phrase_pause_ms=210, peek_s=1.5)
    quick = run(tone(1.2) + silence(0.3) + tone(1.2) + silence(0.3) + tone(1.0) + silence(1), cfg, peeks=True)
    assert len(quick) >= 3 and not any(s.peek for s in quick)
