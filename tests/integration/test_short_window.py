"""Short encoder windows (``model.encoder_window_s``, 16 s by default): the encoder really gets fewer
frames, real speech comes out as it does with Whisper's full 30 s window, and a doubtful decode is
looked at again in the full window."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audio.decode import decode_blocks
from core.config import ModelConfig
from live.transcriber import FULL_FRAMES, WhisperTranscriber, _short_windows, window_frames
from tuning.wer import corpus_wer


def test_window_frames() -> None:
    assert window_frames(400, None) == FULL_FRAMES  # off: faster-whisper's own 30 s
    assert window_frames(400, 1500) == 1500  # a short utterance: the configured window
    assert window_frames(1299, 1500) == 1500  # 13 s + 2 s of padding still fits
    assert window_frames(1301, 1500) == 1600  # longer: itself plus 2 s, in whole seconds
    assert window_frames(2900, 1500) == FULL_FRAMES  # never past Whisper's 30 s


def test_only_decodes_inside_the_block_are_short() -> None:
    """The wrapped ``pad_or_trim`` changes nothing outside ``_short_windows`` (other callers, refine)."""
    import faster_whisper.transcribe as fwt

    WhisperTranscriber(ModelConfig(encoder_window_s=20.0))  # installs the wrapper
    mel = np.zeros((80, 400), dtype=np.float32)
    assert fwt.pad_or_trim(mel).shape == (80, FULL_FRAMES)
    with _short_windows(15.0):
        assert fwt.pad_or_trim(mel).shape == (80, 1500)
        assert fwt.pad_or_trim(mel, 500).shape == (80, 500)  # an explicit length is kept
    with _short_windows(30.0):
        assert fwt.pad_or_trim(mel).shape == (80, FULL_FRAMES)
    assert fwt.pad_or_trim(mel).shape == (80, FULL_FRAMES)


def _clips(shared_speech: Path, n: int) -> list[tuple[str, np.ndarray]]:
    rows = [json.loads(line) for line in (shared_speech / "manifest.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["corpus"].startswith("LibriSpeech")][:n]
    out = []
    for r in rows:
        pcm = np.concatenate(list(decode_blocks(shared_speech / r["audio"])), axis=1)[0]
        out.append((r["text"], pcm.astype(np.float32) / 32768.0))
    return out


@contextmanager
def encoder_frames(transcriber: WhisperTranscriber) -> Iterator[list[int]]:
    """The frame count of every encoder pass the transcriber's model makes inside the block."""
    model = transcriber._model
    encode = model.encode
    seen: list[int] = []

    def spy(features: np.ndarray):  # type: ignore[no-untyped-def]
        seen.append(features.shape[-1])
        return encode(features)

    model.encode = spy
    try:
        yield seen
    finally:
        model.encode = encode  # the transcriber's own (EncoderReuse), not faster-whisper's bare one


def _passes_ok(seen: list[int], first: int) -> bool:
    """One encoder pass of ``first`` frames, and at most a second look in the full window."""
    return bool(seen) and seen[0] == first and seen[1:] in ([], [FULL_FRAMES])


def test_short_windows_encode_less_and_hear_the_same(whisper, shared_speech: Path) -> None:  # type: ignore[no-untyped-def]
    """Real read speech: with the default 16 s window the encoder gets 1600 frames for a clip that
    fits (3000 with the full window), and the text is as good as with the full window."""
    assert whisper.config.encoder_window_s == 16.0
    short = whisper
    full = WhisperTranscriber(replace(whisper.config, encoder_window_s=30.0))
    with encoder_frames(short) as seen:
        clips = _clips(shared_speech, 8)
        short_pairs, full_pairs = [], []
        for ref, audio in clips:
            seen.clear()
            short_pairs.append((ref, short.transcribe(audio).text))
            seconds = audio.size / 16000
            if seconds < 13.5:
                assert _passes_ok(seen, 1600), (seconds, seen)
            else:  # itself plus 2 s, in whole seconds, up to 30 s
                assert seen and seen[0] % 100 == 0 and seconds + 2 <= seen[0] / 100 <= min(seconds + 3, 30)
            full_pairs.append((ref, full.transcribe(audio).text))
    assert any(a.size / 16000 < 13.5 for _r, a in clips)  # some clip really was decoded in 16 s
    short_wer, full_wer = corpus_wer(short_pairs), corpus_wer(full_pairs)
    assert short_wer <= full_wer + 0.02, (short_wer, full_wer, short_pairs)


def test_a_doubtful_short_decode_gets_a_second_look_in_the_full_window(whisper, shared_speech: Path) -> None:  # type: ignore[no-untyped-def]
    """Text with too few words from a short window is decoded again in the full one: 1 s of read
    speech and 5 s of silence hold too few words for 6 s; 6 s of read speech do not."""
    _ref, audio = next((r, a) for r, a in _clips(shared_speech, 8) if a.size / 16000 > 6)
    quiet = audio[: 16000 * 6].copy()
    quiet[16000 * 1 :] = 0.0  # 1 s of speech, then 5 s of silence: a sparse utterance
    before = whisper.full_window_retries
    with encoder_frames(whisper) as seen:
        tr = whisper.transcribe(quiet)
    assert whisper.full_window_retries == before + 1
    assert seen[0] == 1600 and FULL_FRAMES in seen[1:], seen
    assert len(tr.text.split()) <= 6  # a second of speech, whichever decode was kept
    with encoder_frames(whisper) as seen:
        whisper.transcribe(audio[: 16000 * 6])  # 6 s of read speech: 2-3 words a second, no retry
    assert seen == [1600], seen


@pytest.mark.parametrize("window", [16.0, 30.0])
def test_word_times_with_a_short_window(whisper, shared_speech: Path, window: float) -> None:  # type: ignore[no-untyped-def]
    """The timed decode (sentence splits) aligns words inside a short window too."""
    t = whisper if window == 16.0 else WhisperTranscriber(replace(whisper.config, encoder_window_s=window))
    _ref, audio = next((r, a) for r, a in _clips(shared_speech, 8) if a.size / 16000 < 12)
    tr = t.transcribe_after(audio, 0.0, 0.0)
    assert tr.words and tr.text
    ends = [w.end for w in tr.words]
    assert ends == sorted(ends) and 0 < ends[-1] <= audio.size / 16000 + 0.5


def test_interim_text_is_decoded_in_its_own_short_window(whisper, shared_speech: Path) -> None:  # type: ignore[no-untyped-def]
    """``transcribe_interim`` (the rep's speech in progress) encodes 15 s by default, finals 16 s,
    and its text is still the words that were said (read speech, 8 clips)."""
    assert whisper.config.interim_window_s == 15.0 and whisper.config.encoder_window_s == 16.0
    with encoder_frames(whisper) as seen:
        pairs, full_pairs = [], []
        for ref, audio in _clips(shared_speech, 8):
            if audio.size / 16000 > 12:
                continue
            seen.clear()
            pairs.append((ref, whisper.transcribe_interim(audio).text))
            assert seen == [1500]
            seen.clear()
            full_pairs.append((ref, whisper.transcribe(audio).text))
            assert _passes_ok(seen, 1600), seen
    assert len(pairs) >= 3
    assert corpus_wer(pairs) <= corpus_wer(full_pairs) + 0.03, (corpus_wer(pairs), corpus_wer(full_pairs))


@pytest.mark.parametrize(("bar", "looks"), [(0.0, True), (-5.0, False)])
def test_the_confidence_bar_of_the_second_look_is_a_setting(
    whisper, shared_speech: Path, bar: float, looks: bool
) -> None:  # type: ignore[no-untyped-def]
    """``model.second_look_logprob``: at 0 every decode is less sure than the bar and is looked at again
    in the full window; at -5 only the few-words check is left, and 6 s of read speech pass it."""
    t = WhisperTranscriber(replace(whisper.config, second_look_logprob=bar))
    _ref, audio = next((r, a) for r, a in _clips(shared_speech, 8) if a.size / 16000 > 6)
    with encoder_frames(t) as seen:
        tr = t.transcribe(audio[: 16000 * 6])
    assert tr.text and (seen == [1600, FULL_FRAMES] if looks else seen == [1600]), seen
    assert t.full_window_retries == int(looks)
