"""The loop and early-stop guards of the live pass, on text (the model-level test is in integration)."""

from __future__ import annotations

from live.guards import (
    EARLY_STOP,
    LOOP,
    ChannelConfidence,
    compression_ratio,
    implausible,
    sparse,
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
