"""The loop and early-stop guards of the live pass, on text (the model-level test is in integration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from live.guards import (
    EARLY_STOP,
    LOOP,
    ChannelConfidence,
    compression_ratio,
    implausible,
    sparse,
    token_budget,
    trim_repetition,
)

LOOP_TEXT = " ".join(["i am the team"] * 40)


def test_a_repetition_loop_is_caught_three_ways() -> None:
    assert implausible(LOOP_TEXT, 3.0) == LOOP  # 160 words in 3 s
    assert compression_ratio(LOOP_TEXT) > 2.4
    assert (
        implausible("we need the report we need the report we need the report we need the report", 10.0)
        == LOOP
    )


def test_an_early_stop_is_caught_only_on_long_audio() -> None:
    assert implausible("Thank you.", 11.0) == EARLY_STOP
    assert implausible("Thank you.", 1.5) is None


def test_normal_speech_passes() -> None:
    text = "so what we're seeing across the region is that freight rates doubled since the spring"
    assert implausible(text, 5.0) is None
    assert implausible("Yes, yes, yes.", 1.2) is None  # emphasis is not a loop
    sonnet = "Some glory in their birth, some in their skill, some in their wealth, some in their force"
    assert implausible(sonnet, 6.0) is None  # parallel phrasing is not a loop


def test_sparse_text_earns_a_second_look() -> None:
    """The cut-off clip a 16 s window decoded without its first words, and babble heard as nothing."""
    assert sparse("written by a citizen who can", 4.8)  # 6 words in 4.8 s: "In 1665," went missing
    assert sparse("", 1.2)  # a second of voiced audio and no word at all
    assert not sparse("", 0.8)  # a click or a cough: no second look
    assert not sparse("Okay.", 1.5)  # short acknowledgements are short
    assert not sparse("so what we are seeing is that freight rates doubled", 4.0)  # 2.5 words a second


def test_a_decode_may_write_twice_what_the_fastest_speech_needs_and_no_more() -> None:
    """Mains hum decoded as hundreds of "." up to the model's 448 tokens, at every fallback
    temperature. The budget ends that early, and still leaves room for any real utterance."""
    from faster_whisper.tokenizer import Tokenizer
    from tokenizers import Tokenizer as HFTokenizer

    from live.transcriber import resolve_model

    fast = "okay so we'd need the invoices the purchase orders and the receipts from March by Friday"
    hf = HFTokenizer.from_file(str(Path(resolve_model("tiny.en")) / "tokenizer.json"))
    tokens = len(Tokenizer(hf, multilingual=False).encode(" " + fast))
    assert tokens <= token_budget(len(fast.split()) / 6.0) / 2  # 6 words a second, the fastest speech
    assert token_budget(6.5) < 448 / 4  # the hum's 6.5 s utterance: a quarter of the run of dots
    assert token_budget(0.0) > 0 and token_budget(300.0) == 440  # the decode's prompt fits beside it
    assert all(token_budget(s) <= token_budget(s + 0.5) for s in range(30))


def test_noise_heard_as_nothing_is_not_retried_as_an_early_stop() -> None:
    """An early stop ("Thank you." for 11 s of speech) is retried with timestamps and rising
    temperatures; a decode with no text at all (the model called it noise) is not: at high
    temperature hum only samples hallucinations, and 24 s of it cost 80 CPU-s that way."""
    from core.config import ModelConfig
    from live.transcriber import Transcription, WhisperTranscriber

    class Scripted(WhisperTranscriber):
        def __init__(self, first: str) -> None:
            self.config = ModelConfig()
            self.calls: list[tuple[bool, tuple[float, ...]]] = []
            self.first = first

        def _decode(self, audio, *, timestamps, temperatures):  # type: ignore[no-untyped-def]
            self.calls.append((timestamps, temperatures))
            text = self.first if len(self.calls) == 1 else "we can start with the invoices from March then"
            return Transcription(text, -0.3, 0.1)

    audio = np.zeros(16_000 * 8, dtype=np.float32)
    stopped = Scripted("Thank you.")
    assert stopped._transcribe(audio).guard == f"{EARLY_STOP}: retried with timestamps"
    assert len(stopped.calls) == 3
    silent = Scripted("")
    assert silent._transcribe(audio).text == "" and len(silent.calls) == 1


def test_the_last_resort_keeps_the_start_and_says_what_it_dropped() -> None:
    kept, dropped = trim_repetition(LOOP_TEXT, 3.0)
    assert kept == "i am the team"
    assert dropped.startswith("i am the team") and len(dropped.split()) == 156


def test_text_without_a_word_is_not_believed() -> None:
    """Seen live with a 20 s encoder window: crosstalk decoded as ". . . . ." (400 characters)."""
    from core.config import ModelConfig
    from live.transcriber import WhisperTranscriber

    t = WhisperTranscriber.__new__(WhisperTranscriber)  # the guard needs the config, not the model
    t.config = ModelConfig()
    assert not t._believable(" . . . . . . . .", -0.3, 0.01)
    assert not t._believable(" ...", -0.3, 0.01)
    assert t._believable(" Okay.", -0.3, 0.01)
    assert not t._believable(" Okay.", -1.6, 0.01)  # below the hard floor


def test_a_channel_heard_with_low_confidence_throughout_is_looked_at_again_only_for_its_outliers() -> None:
    """The phone call sits around -0.5 to -0.8 where the full window rarely does better; a clean
    channel keeps the fixed bar (the synthesized sentence misheard at -0.67 among lines at -0.1 to
    -0.5 still gets its second look)."""
    phone = ChannelConfidence()
    assert phone.doubtful(-0.65, -0.6, 0.2)  # too few decodes yet: the fixed bar alone
    for lp in (-0.7, -0.75, -0.8):
        phone.doubtful(lp, -0.6, 0.2)
    assert not phone.doubtful(-0.8, -0.6, 0.2)  # median -0.725: the bar is now -0.925
    assert phone.doubtful(-1.1, -0.6, 0.2)  # an outlier on this line
    assert not phone.doubtful(None, -0.6, 0.2)  # no text, nothing to judge

    clean = ChannelConfidence()
    for lp in (-0.12, -0.3, -0.45, -0.51):
        assert not clean.doubtful(lp, -0.6, 0.2)
    assert clean.doubtful(-0.67, -0.6, 0.2)  # min(-0.6, median - 0.2 = -0.575)

    fixed = ChannelConfidence()
    for lp in (-0.7, -0.75, -0.8, -0.8):
        fixed.doubtful(lp, -0.6, 0.2)
    assert fixed.doubtful(-0.8, -0.6, 0.0)  # margin 0: the fixed bar alone
