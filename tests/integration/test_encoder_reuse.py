"""The same audio decoded twice (a phrase's second decode with word times, a guard's retry) reuses the
encoder pass, and the text and word times come out exactly as with a fresh encoder pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audio.decode import decode_blocks
from live.transcriber import WhisperTranscriber


def _clip(shared_speech: Path, name: str) -> np.ndarray:
    pcm = np.concatenate(list(decode_blocks(shared_speech / name)), axis=1)[0]
    return pcm.astype(np.float32) / 32768.0


def test_a_second_decode_of_the_same_audio_skips_the_encoder(
    whisper: WhisperTranscriber, shared_speech: Path
) -> None:
    audio = _clip(shared_speech, "librispeech_26-495-0000.flac")
    other = _clip(shared_speech, "cmuarctic_slt_arctic_a0001.wav")
    whisper.transcribe(other)  # something else was encoded last
    before = whisper.encoder_reuses
    plain = whisper.transcribe(audio)
    assert whisper.encoder_reuses == before  # new audio: a real encoder pass
    timed = whisper.transcribe_after(audio, 0.0, 0.0)
    assert whisper.encoder_reuses == before + 1  # the same window: reused
    assert "written by a citizen" in plain.text.lower()

    whisper.forget_encoded()  # a fresh encoder pass must give the same result
    fresh = whisper.transcribe_after(audio, 0.0, 0.0)
    assert whisper.encoder_reuses == before + 1
    assert fresh.text == timed.text
    assert fresh.words == timed.words


def test_different_audio_of_the_same_length_is_encoded_anew(
    whisper: WhisperTranscriber, shared_speech: Path
) -> None:
    audio = _clip(shared_speech, "cmuarctic_slt_arctic_a0002.wav")
    quieter = audio * 0.5
    first = whisper.transcribe(audio)
    before = whisper.encoder_reuses
    second = whisper.transcribe(quieter)
    assert whisper.encoder_reuses == before
    assert first.text and second.text


def test_a_dropped_transcriber_frees_its_model_without_the_garbage_collector(
    whisper: WhisperTranscriber,
) -> None:
    """The reuse wrapper must not make a reference cycle (model -> wrapper -> model)."""
    import gc
    import weakref

    t = WhisperTranscriber(whisper.config)
    model = weakref.ref(t._model)
    gc.disable()
    try:
        del t
        assert model() is None
    finally:
        gc.enable()
