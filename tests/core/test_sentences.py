"""Sentence lines mid-speech: phrases cut at short pauses, held until their text ends a sentence."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from classifiers.base import Context
from core.config import Config
from core.events import AudioFrame, Event, Label, Nudge, Partial, SpeechSegment, Utterance
from core.text import clause_ends
from live.compose import build_session
from live.guards import ChannelConfidence
from live.refine import Word
from live.sentences import Confirmed, PhraseJoiner, ends_sentence
from live.transcriber import Transcription
from tests.core.test_pipeline_fast import KeywordClassifier, fake_vad

FRAME_S = 0.02


def pcm(seconds: float, value: int = 1) -> bytes:
    return np.full(round(seconds * 16000), value, dtype="<i2").tobytes()


def heard(text: str) -> Transcription:
    """A plain decode of ``text`` (no word times, no guard notes)."""
    return Transcription(text, None, None)


def seg(start: float, end: float, audio: bytes | None = None, phrase: bool = True) -> SpeechSegment:
    """A segment whose audio starts 0.1 s before its speech and ends 0.1 s after it."""
    audio = pcm(end - start + 0.2) if audio is None else audio
    return SpeechSegment("rep", audio, start, end, end - start, pcm_start=start - 0.1, phrase=phrase)


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("Our platform automates payroll.", True),
        ("Does Thursday work?", True),
        ('He said "no."', True),
        ("and it also", False),
        ("So what we do is...", False),
        ("Right,", False),
        ("Thanks, Mr.", False),  # a title, not a sentence end
        ("As Dr.", False),
        ("We said no.", True),
        ("", False),
    ],
)
def test_ends_sentence(text: str, ends: bool) -> None:
    assert ends_sentence(text) is ends


def test_clause_ends_are_commas_semicolons_and_colons_with_a_word_after() -> None:
    words = ["Sure,", "we", "work;", "with", "these:", "over", "400,"]
    assert clause_ends(words) == [0, 2, 4]  # the last comma has no word after it
    assert clause_ends(['said "no,"', "then"]) == [0]
    assert clause_ends(["no", "commas", "here."]) == []


def test_a_phrase_ending_mid_sentence_is_held_and_decoded_again_with_the_next() -> None:
    j = PhraseJoiner()
    first = seg(1.0, 2.5, pcm(1.7, 1))
    assert j.join(first) is first
    assert j.hold(first, heard("and it also"))
    assert j.held("rep") is not None
    second = seg(2.7, 4.0, pcm(1.5, 2), phrase=False)  # tiles: the first's audio ends at 2.6
    merged = j.join(second)
    assert merged.pcm == first.pcm + second.pcm and merged.start == 1.0 and merged.end == 4.0
    assert merged.pcm_start == first.pcm_start and merged.voiced_s == pytest.approx(1.5 + 1.3)
    assert not j.hold(merged, heard("and it also handles overtime"))  # the turn's closing segment: a line
    j.written(merged, "and it also handles overtime")
    assert j.held("rep") is None


def test_a_complete_sentence_is_a_line_once_heard_with_enough_audio_and_a_long_phrase_always() -> None:
    j = PhraseJoiner(hold_max_s=8.0)
    assert not j.hold(seg(0.0, 4.5), heard("Our platform automates payroll."))
    assert j.hold(seg(0.0, 2.0), heard("Sure, that works."))  # a short first sentence waits for the next
    j.release()
    assert j.hold(seg(0.0, 3.0), heard("Sure, that works."))  # 3.2 s alone: not yet (MIN_HEARD_ALONE_S)
    j.release()
    assert not j.hold(seg(0.0, 3.9), heard("Sure, that works."))  # 4.1 s alone: heard enough
    after = replace(seg(2.0, 3.0, pcm(3.2)), context_s=2.0)  # 3.2 s, 2 s of them the earlier line
    assert not j.hold(after, heard("Sure, that works."))  # heard enough with context (MIN_HEARD_S)
    assert not j.hold(seg(0.0, 9.0), heard("and on and on"))
    assert j.release() == []


def test_the_rest_of_a_turn_is_decoded_after_the_previous_lines_audio_and_held_without_it() -> None:
    j = PhraseJoiner(context_s=4.0)
    line = seg(0.1, 5.9, pcm(6.0, 1))  # audio 0.0-6.0
    j.written(line, "Our platform automates payroll.")
    nxt = seg(6.1, 7.0, pcm(1.0, 2))  # audio 6.0-7.0: contiguous
    joined = j.join(nxt)
    assert joined.context_s == pytest.approx(4.0) and joined.pcm == line.pcm[-4 * 32000 :] + nxt.pcm
    assert joined.pcm_start == pytest.approx(2.0) and joined.start == nxt.start  # its own speech
    assert joined.words_from_s == pytest.approx((5.9 + 6.1) / 2 - 2.0)  # mid-pause, in decode time
    assert j.hold(joined, heard("and then"))  # held without the context: the next join adds it once
    held = j.held("rep")
    assert held is not None and held.segment.pcm == nxt.pcm and held.segment.context_s == 0
    again = j.join(seg(7.1, 8.0, pcm(1.0, 3)))
    assert again.pcm == line.pcm[-4 * 32000 :] + nxt.pcm + pcm(1.0, 3) and again.start == nxt.start
    # A line that closes its turn ends the context: the next turn is decoded alone.
    j.written(replace(again, phrase=False), "and then some.")
    later = j.join(seg(12.0, 13.0, pcm(1.2, 4)))
    assert later is not None and later.context_s == 0
    # So is speech that does not continue the last line's audio.
    j.written(line, "Our platform automates payroll.")
    apart = j.join(seg(9.0, 10.0, pcm(1.2, 4)))
    assert apart is not None and apart.context_s == 0


def test_a_click_closing_a_turn_whose_sentences_are_written_is_not_decoded() -> None:
    j = PhraseJoiner(min_voiced_s=0.3)
    line = seg(0.1, 5.9, pcm(6.0, 1))
    j.written(line, "Our platform automates payroll.")
    assert j.join(seg(6.1, 6.2, pcm(0.4, 2), phrase=False)) is None
    # ... but the same closing segment is decoded when a phrase waits for it.
    j.hold(seg(7.0, 8.0), heard("and it"))
    tail = seg(8.2, 8.3, pcm(0.4, 3), phrase=False)
    assert j.join(tail) is not None


def test_a_long_max_utterance_shrinks_hold_and_context_to_fit_one_decode() -> None:
    j = PhraseJoiner(max_utterance_s=26.0)
    assert not j.hold(seg(0.0, 1.5), heard("and it"))  # 28 s window - 26 s: room for no held phrase
    roomy = PhraseJoiner(max_utterance_s=15.0)
    assert roomy.hold(seg(0.0, 5.5), heard("and it"))


def timed(*words: tuple[str, float, float]) -> Transcription:
    """A decode with word times (seconds from the start of the decoded audio)."""
    ws = tuple(Word(a, b, w) for w, a, b in words)
    return Transcription("".join(w.text for w in ws).strip(), -0.1, None, words=ws)


def held_and_heard(
    j: PhraseJoiner, first: SpeechSegment, said: str, ahead: SpeechSegment, *words: tuple[str, float, float]
) -> Confirmed | None:
    """``first`` held, decoded as ``said``; then its look ahead ``ahead``, the two decoded as ``words``
    (word, start, end; seconds from the start of the decoded audio): the look ahead's confirmation."""
    assert j.hold(first, heard(said))
    joined = j.peek(ahead)
    assert joined is not None
    return j.confirm(joined, timed(*words))


SURE = timed(
    (" Sure.", 0.1, 0.5), (" That", 0.9, 1.1), (" works", 1.1, 1.5), (" and", 3.0, 3.2), (" we", 4.8, 5.0)
)


def test_a_phrase_going_on_past_a_sentence_end_is_a_line_up_to_it_and_the_rest_is_held() -> None:
    j = PhraseJoiner()
    first = seg(1.0, 6.0, pcm(5.2, 1))  # audio 0.9-6.1
    assert j.wants_words(first, Transcription(SURE.text, -0.1, None))  # no word times yet
    assert not j.wants_words(first, SURE)
    split = j.split(first, SURE)
    assert split is not None
    assert (split.text, split.rest_text) == ("Sure.", "That works and we")
    line, rest = split.line, split.rest
    assert line.pcm_start == first.pcm_start and line.start == 1.0
    assert line.end == pytest.approx(0.9 + 0.5) and rest.pcm_start == pytest.approx(0.9 + 0.7)
    assert line.pcm + rest.pcm == first.pcm  # tiles: no audio lost or repeated
    assert rest.start == pytest.approx(0.9 + 0.9) and rest.end == first.end
    assert line.voiced_s + rest.voiced_s == pytest.approx(first.voiced_s)  # talk time kept
    j.keep(split, SURE)
    held = j.held("rep")
    assert held is not None and held.segment == rest and held.text == "That works and we"
    # The rest is decoded again with what follows, alone: not after the written sentence.
    nxt = seg(6.2, 7.0, pcm(1.0, 2), phrase=False)
    joined = j.join(nxt)
    assert joined is not None and joined.pcm == rest.pcm + nxt.pcm
    assert joined.context_s == 0 and joined.start == rest.start


def look_ahead(start: float, end: float, pcm_start: float) -> SpeechSegment:
    """The first seconds of the phrase after a held one (``SpeechSegment.peek``)."""
    return SpeechSegment(
        "rep", pcm(end - pcm_start, 2), start, end, end - start, pcm_start=pcm_start, phrase=True, peek=True
    )


def test_a_look_ahead_confirms_a_short_held_sentence_at_its_cut() -> None:
    j = PhraseJoiner()
    first = seg(1.0, 2.0, pcm(1.2, 1))  # audio 0.9-2.1: too short to be a line alone, held
    assert j.hold(first, heard("Thanks."))
    ahead = look_ahead(2.3, 3.6, pcm_start=2.1)
    joined = j.peek(ahead)
    assert joined is not None and joined.pcm == first.pcm + ahead.pcm and joined.start == 1.0
    assert not j.wants_words(joined, heard("Thanks. So what"))  # decoded with word times already
    # "Thanks." ends at 1.05 s of the decode, the next word starts at 1.45: the cut at 1.2 s lies
    # between them, so the sentence is confirmed and the held phrase is the line, as it was cut.
    decoded = timed((" Thanks.", 0.1, 1.05), (" So", 1.45, 1.6), (" what", 1.6, 1.9))
    confirmed = j.confirm(joined, decoded)
    assert confirmed is not None
    line, tr = confirmed.line, confirmed.result
    assert line == first and tr.text == "Thanks." and tr.words == ()
    # The words after it are the interim text of the phrase going on, from where they start.
    assert confirmed.after == "So what" and confirmed.after_start == 2.3  # the look ahead's voice
    j.written(line, tr.text)
    assert j.held("rep") is None
    # The phrase the look ahead came from is decoded after the written line, as any later line is.
    nxt = seg(2.3, 4.5, pcm(2.4, 2), phrase=False)
    nxt = replace(nxt, pcm_start=2.1)
    later = j.join(nxt)
    assert later is not None and later.context_s == pytest.approx(1.2) and later.pcm.endswith(nxt.pcm)


@pytest.mark.parametrize(
    "decoded",
    [
        # The words run over the cut and end no sentence with a word after it.
        timed((" Thanks", 0.1, 0.6), (" for", 0.7, 1.0), (" coming", 1.0, 1.7), (" so", 1.8, 2.0)),
        # A sentence end too near the start of the held phrase's audio for a line (MIN_PART_S).
        timed((" Okay.", 0.0, 0.2), (" so", 0.25, 0.8), (" we", 0.8, 1.5), (" would", 1.5, 1.9)),
        # The last sentence end has no word after it yet: nothing confirms it.
        timed((" Thanks.", 0.1, 1.05)),
        # Its only word after it is the look ahead's last 0.1 s (AHEAD_ROOM_S): a word cut off.
        timed((" Thanks", 0.1, 0.6), (" for", 0.7, 1.0), (" coming.", 1.0, 2.62), (" So", 2.62, 2.7)),
        # No word times (a plain second look).
        Transcription("Thanks. So what", -0.1, None),
    ],
)
def test_a_look_ahead_does_not_confirm_a_sentence_the_words_do_not_end_at_the_cut(
    decoded: Transcription,
) -> None:
    j = PhraseJoiner()
    first = seg(1.0, 2.0, pcm(1.2, 1))
    j.hold(first, heard("Thanks."))
    joined = j.peek(look_ahead(2.3, 3.6, pcm_start=2.1))
    assert joined is not None and j.confirm(joined, decoded) is None
    assert j.held("rep") is not None  # still held, decoded again with the next phrase


@pytest.mark.parametrize(
    ("works", "after", "how"),
    [
        ((4.6, 5.0), (5.25, 5.4), "at the cut"),
        # A soft cut split "works.": its middle lies after the cut, where the next phrase's decode
        # would keep it. The line takes the look ahead's audio up to after it instead, and the next
        # phrase is decoded from there.
        ((5.05, 5.43), (5.5, 5.7), "consumed"),
        # "And" starts before the cut and has its middle there: the next decode would drop it. The
        # line ends before it, and the phrase's last bit, with "And", is held again.
        ((4.6, 5.0), (5.1, 5.25), "rest held"),
    ],
)
def test_at_a_soft_cut_a_look_ahead_divides_the_words_where_the_next_decode_will(
    works: tuple[float, float], after: tuple[float, float], how: str
) -> None:
    j = PhraseJoiner()
    held = SpeechSegment("rep", pcm(5.2, 1), 1.0, 6.1, 5.1, pcm_start=0.9, phrase=True, soft=True)
    assert j.hold(held, heard("Sure. That works."))
    ahead = look_ahead(6.1, 7.5, pcm_start=6.1)  # voice goes on right at the cut
    joined = j.peek(ahead)
    assert joined is not None
    decoded = timed((" Sure.", 0.1, 0.5), (" That", 4.2, 4.5), (" works.", *works), (" And", *after))
    confirmed = j.confirm(joined, decoded)
    assert confirmed is not None and confirmed.result.text == "Sure. That works."
    assert confirmed.after == "And"
    assert (confirmed.line == held) is (how == "at the cut")
    assert (confirmed.consumed is not None) is (how == "consumed")
    assert (confirmed.rest is not None and confirmed.rest.text == "And") is (how == "rest held")


def test_a_sentence_the_look_ahead_hears_end_in_its_own_audio_is_a_line_with_that_audio() -> None:
    """Whisper heard the held phrase end a sentence ("Thanks for this."), the look ahead hears it go
    on ("Thanks for this facility. Okay"): the line is written now, up to the sentence's end inside the
    look ahead, and the next phrase is decoded from that cut, after the line as context."""
    j = PhraseJoiner()
    first = seg(1.0, 2.0, pcm(1.2, 1))  # audio 0.9-2.1, held
    assert j.hold(first, heard("Thanks for this."))
    ahead = look_ahead(2.1, 3.6, pcm_start=2.1)  # the voice goes on at the cut
    joined = j.peek(ahead)
    assert joined is not None
    decoded = timed(
        (" Thanks", 0.1, 0.5),
        (" for", 0.5, 0.7),
        (" this", 0.7, 1.0),
        (" facility.", 1.0, 1.7),
        (" Okay", 2.0, 2.3),
    )
    confirmed = j.confirm(joined, decoded)
    assert confirmed is not None
    line = confirmed.line
    assert confirmed.result.text == "Thanks for this facility." and confirmed.after == "Okay"
    assert not line.peek and line.start == 1.0 and 0.9 + 1.7 <= line.end <= 0.9 + 2.0
    cut = line.pcm_start + len(line.pcm) / 32000
    assert 0.9 + 1.7 - 0.15 <= cut <= 0.9 + 2.0 + 0.15
    # The look ahead's voice up to the cut (from 2.1 s) is the line's, and is not counted again.
    assert confirmed.consumed is not None and confirmed.consumed.at == pytest.approx(cut)
    assert line.voiced_s == pytest.approx(first.voiced_s + cut - 2.1, abs=0.002)
    j.accept(confirmed)
    assert j.held("rep") is None
    # The phrase the look ahead was the start of: decoded from the cut on, after the line.
    nxt = replace(seg(2.1, 4.5, pcm(2.6, 2), phrase=False), pcm_start=2.1)
    later = j.join(nxt)
    assert later is not None and later.start == pytest.approx(0.9 + 2.0)
    assert later.voiced_s == pytest.approx(nxt.voiced_s - (cut - 2.1), abs=0.002)
    own = round((4.7 - cut) * 16000) * 2
    assert later.pcm.endswith(nxt.pcm[-own:]) and len(later.pcm) - later.context_s * 32000 == pytest.approx(
        own
    )
    assert later.context_s > 0  # the line's last seconds in front


def test_a_sentence_end_the_look_ahead_hears_inside_the_held_phrase_leaves_the_rest_held() -> None:
    """The held phrase was heard as one sentence too short to split ("Sure. That works" on 1.9 s);
    the look ahead hears "Sure." end well inside it: that is the line, the rest is held again."""
    j = PhraseJoiner()
    first = seg(1.0, 3.0, pcm(2.2, 1))  # audio 0.9-3.1
    confirmed = held_and_heard(
        j,
        first,
        "Sure. That works for",
        look_ahead(3.1, 4.6, pcm_start=3.1),
        (" Sure.", 0.1, 0.5),
        (" That", 0.9, 1.1),
        (" works", 1.1, 1.5),
        (" for", 2.0, 2.6),
    )  # held on too little audio to be split: a sentence end inside it is worth a look ahead too
    assert confirmed is not None and confirmed.result.text == "Sure." and confirmed.consumed is None
    assert confirmed.line.end == pytest.approx(0.9 + 0.5) and confirmed.line.start == 1.0
    j.accept(confirmed)
    rest = j.held("rep")
    assert rest is not None and rest.text == "That works"  # "for" lies in the look ahead's audio
    assert rest.segment.pcm_start == pytest.approx(confirmed.line.pcm_start + len(confirmed.line.pcm) / 32000)
    assert rest.segment.pcm_start + len(rest.segment.pcm) / 32000 == pytest.approx(3.1)  # tiles with the next
    # The held phrase's talk time is shared by length (the look ahead adds none of its own).
    cut = confirmed.line.pcm_start + len(confirmed.line.pcm) / 32000
    assert confirmed.line.voiced_s == pytest.approx(first.voiced_s * (cut - 0.9) / 2.2, abs=0.002)
    assert rest.segment.voiced_s + confirmed.line.voiced_s == pytest.approx(first.voiced_s)
    assert rest.segment.start <= rest.segment.end


def test_a_sentence_end_the_look_ahead_hears_in_the_held_phrases_closing_pause_writes_it_whole() -> None:
    """The quietest point after "plan." lies in the held phrase's last 0.1 s of silence, before its cut:
    no word of the held phrase is left after it, so the line is the held phrase as it was cut (its
    context kept for the next phrase), not a held rest of silence."""
    j = PhraseJoiner()
    audio = pcm(2.1, 1) + pcm(0.1, 0)  # audio 0.9-3.1, voice to 3.0, then silence
    first = seg(1.0, 3.0, audio)
    confirmed = held_and_heard(
        j,
        first,
        "Thanks. That's the plan",
        look_ahead(3.25, 4.6, pcm_start=3.1),
        (" Thanks.", 0.1, 0.5),
        (" That's", 0.9, 1.2),
        (" the", 1.2, 1.5),
        (" plan.", 1.5, 2.05),
        (" So", 2.4, 2.6),
    )
    assert confirmed is not None and confirmed.result.text == "Thanks. That's the plan."
    assert confirmed.line == first and confirmed.rest is None and confirmed.consumed is None
    j.accept(confirmed)
    assert j.held("rep") is None
    nxt = replace(seg(3.25, 5.0, pcm(2.0, 2), phrase=False), pcm_start=3.1)
    later = j.join(nxt)
    assert later is not None and later.context_s > 0 and later.pcm.endswith(nxt.pcm)


def test_a_phrase_the_look_aheads_line_took_whole_is_not_decoded_again() -> None:
    """With a look ahead nearly as long as a soft cut's reach (``vad.peek_s`` 4.5 s, ``soft_cut_s`` 5 s),
    the next cut can fall before the line's cut inside the look ahead: that phrase was written whole,
    and the one after it is decoded from the line's cut on."""
    j = PhraseJoiner()
    first = seg(1.0, 2.0, pcm(1.2, 1))  # audio 0.9-2.1, held
    confirmed = held_and_heard(
        j,
        first,
        "Thanks for this.",
        look_ahead(2.1, 6.6, pcm_start=2.1),
        (" Thanks", 0.1, 0.5),
        (" for", 0.5, 0.7),
        (" this", 0.7, 1.0),
        (" facility.", 1.0, 4.0),
        (" Okay", 4.3, 4.6),
    )
    assert confirmed is not None and confirmed.consumed is not None
    cut = confirmed.consumed.at
    assert 0.9 + 4.0 - 0.15 <= cut <= 0.9 + 4.3 + 0.15
    j.accept(confirmed)
    early = SpeechSegment("rep", pcm(4.0 - 2.1, 2), 2.1, 4.0, 1.9, pcm_start=2.1, phrase=True, soft=True)
    assert j.join(early) is None  # all of it is in the written line
    rest = SpeechSegment("rep", pcm(7.0 - 4.0, 2), 4.0, 7.0, 3.0, pcm_start=4.0, phrase=True)
    later = j.join(rest)
    assert later is not None and later.context_s > 0
    assert later.pcm_start + later.context_s == pytest.approx(cut, abs=0.001)
    # The voice the line took (from 2.1 s to the cut) is counted once: 1.9 s of it in the skipped
    # phrase, the rest taken from this one.
    assert later.voiced_s == pytest.approx(3.0 - (cut - 2.1 - 1.9), abs=0.002)


def test_a_look_ahead_is_not_decoded_without_a_held_sentence_end_right_before_it() -> None:
    j = PhraseJoiner()
    assert j.peek(look_ahead(2.3, 3.6, pcm_start=2.1)) is None  # nothing held
    first = seg(1.0, 2.0, pcm(1.2, 1))
    j.hold(first, heard("and it also"))  # held mid-sentence: no sentence end in it to confirm
    assert j.peek(look_ahead(2.3, 3.6, pcm_start=2.1)) is None
    j.hold(first, heard("Thanks."))
    assert j.peek(look_ahead(5.3, 6.6, pcm_start=5.1)) is None  # not the speech right after it


def test_a_rest_too_long_to_decode_again_with_a_whole_next_segment_is_not_held() -> None:
    """With soft cuts off and 25 s utterances, a held rest of 4 s and the next segment would not fit
    in one 28 s decode: the rest is a line at once."""
    j = PhraseJoiner(max_utterance_s=25.0)
    split = j.split(seg(1.0, 6.0, pcm(5.2, 1)), SURE)
    assert split is not None and len(split.rest.pcm) / 32000 > 28.0 - 25.0
    assert not j.keep(split, SURE)
    assert j.held("rep") is None
    # The pipeline writes the rest with its part of the decode; the guard's notes stay with the line.
    noted = replace(SURE, guard="repetition: retried at higher temperature", dropped_text="we we we")
    rest = split.rest_result(noted)
    assert (rest.text, rest.words, rest.guard, rest.dropped_text) == ("That works and we", (), None, None)
    line = split.line_result(noted)
    assert (line.text, line.words, line.guard) == (split.text, (), noted.guard)
    assert PhraseJoiner().keep(split, SURE)  # 15 s utterances leave room: held as usual


def test_a_split_is_cut_where_the_gap_is_quietest_not_in_its_middle_by_word_times() -> None:
    """Word times are rough: the decode says "Sure." ends at 0.5 s and "That" starts at 0.9 s, but the
    speaker paused from 0.85 to 1.2 s. The cut goes into that silence (within CUT_SLACK_S of the
    word times), not to the middle of the words' gap (0.7 s), which is still speech."""
    audio = pcm(0.85, 3000) + pcm(0.35, 0) + pcm(4.0, 3000)
    phrase = seg(1.0, 6.0, audio)  # audio 0.9-6.1
    split = PhraseJoiner().split(phrase, SURE)
    assert split is not None and split.text == "Sure."
    cut = split.rest.pcm_start - phrase.pcm_start
    assert cut == pytest.approx(0.86)  # the silent 20 ms nearest the middle of the gap
    assert split.line.pcm + split.rest.pcm == phrase.pcm
    # All as loud: the middle of the words' gap, as before.
    even = PhraseJoiner().split(seg(1.0, 6.0, pcm(5.2, 3000)), SURE)
    assert even is not None and even.rest.pcm_start == pytest.approx(0.9 + 0.7)


def test_no_split_without_an_inner_sentence_end_or_enough_audio_or_when_the_phrase_ends_one() -> None:
    j = PhraseJoiner()
    one = timed((" and", 0.1, 0.4), (" it", 0.5, 0.7), (" goes", 3.0, 3.5), (" on", 4.0, 4.5))
    assert j.split(seg(1.0, 6.0, pcm(5.2)), one) is None
    assert j.split(seg(1.0, 3.0, pcm(2.2)), SURE) is None  # heard on less than MIN_HEARD_S
    ends = timed((" Sure.", 0.1, 0.5), (" That", 0.9, 1.1), (" works.", 1.1, 4.5))
    assert j.split(seg(1.0, 6.0, pcm(5.2)), ends) is None  # the whole phrase is a line
    assert not j.wants_words(seg(1.0, 6.0, pcm(5.2)), Transcription(ends.text, -0.1, None))
    assert j.split(seg(1.0, 6.0, pcm(5.2), phrase=False), SURE) is None  # a turn's end: all one line


def test_no_split_at_a_title_or_before_a_word_that_goes_on_in_lower_case() -> None:
    """Whisper punctuates a number in mid-sentence ("we work with over 400. warehouses and ..." in
    the demo call); cut there, one sentence would be two lines. A title ("Mr.") ends none either."""
    j = PhraseJoiner()
    number = timed((" over", 0.1, 0.4), (" 400.", 0.5, 0.9), (" warehouses", 1.3, 1.9), (" and", 3.0, 3.5))
    assert not j.wants_words(seg(1.0, 6.0, pcm(5.2)), Transcription(number.text, -0.1, None))
    assert j.split(seg(1.0, 6.0, pcm(5.2)), number) is None
    title = timed((" Thanks,", 0.1, 0.4), (" Mr.", 0.5, 0.9), (" Kelly", 1.3, 1.9), (" for", 3.0, 3.5))
    assert j.split(seg(1.0, 6.0, pcm(5.2)), title) is None
    both = timed(
        (" over", 0.1, 0.4), (" 400.", 0.5, 0.9), (" warehouses", 1.3, 1.9), (" Sure.", 2.0, 2.4),
        (" Thanks,", 2.8, 3.0), (" Mr.", 3.1, 3.3), (" Kelly", 3.4, 4.5),
    )  # fmt: skip
    split = j.split(seg(1.0, 6.0, pcm(5.2)), both)
    assert split is not None and split.text == "over 400. warehouses Sure."


def test_no_split_where_the_word_times_squeeze_a_part_faster_than_anyone_speaks() -> None:
    squeezed = timed(*[(f" w{i}", 0.1 + i * 0.02, 0.12 + i * 0.02) for i in range(9)], (" end.", 0.3, 0.4))
    noisy = Transcription(f"{squeezed.text} And on", -0.1, None, words=(*squeezed.words, *SURE.words[1:]))
    assert PhraseJoiner().split(seg(1.0, 6.0, pcm(5.2)), noisy) is None


def test_a_soft_cut_trusts_only_a_sentence_end_followed_by_more_words() -> None:
    j = PhraseJoiner()
    soft = replace(seg(1.0, 6.0, pcm(5.2)), soft=True)
    ends = timed((" Sure.", 0.1, 0.5), (" That", 0.9, 1.1), (" works.", 1.1, 5.0))  # ran to the cut
    split = j.split(soft, ends)
    assert split is not None and (split.text, split.rest_text) == ("Sure.", "That works.")
    assert j.hold(soft, heard("That works."))  # its last word may be cut in two: held, not a line
    assert j.wants_words(soft, Transcription(ends.text, -0.1, None))


def test_a_soft_cut_long_after_a_sentence_end_writes_that_sentence_and_holds_the_unheard_rest() -> None:
    """The mono phone call: a soft cut fell 1.2 s after "Of course, I'm so sorry for the
    inconvenience." ended, inside "Jack, what was ...", and Whisper left the cut-off words out. The
    sentence is complete: it is a line now, not 5 s later; the audio after it is held, with no text."""
    j = PhraseJoiner()
    audio = pcm(3.3, 3000) + pcm(0.1, 0) + pcm(1.4, 3000)  # a breath at 3.3-3.4 s, then more speech
    soft = replace(seg(1.0, 5.7, audio), soft=True)  # audio 0.9-5.7
    head = ((" Of", 0.1, 0.3), (" course,", 0.3, 0.9), (" sorry", 1.0, 2.0))
    said = timed(*head, (" inconvenience.", 2.0, 3.5))
    assert j.wants_words(soft, Transcription(said.text, -0.1, None))
    split = j.split(soft, said)
    assert split is not None and (split.text, split.rest_text) == ("Of course, sorry inconvenience.", "")
    assert split.rest.pcm_start - soft.pcm_start == pytest.approx(3.39)  # the breath, within CUT_SLACK_S
    assert split.line.pcm + split.rest.pcm == soft.pcm and split.line.end == pytest.approx(4.29)
    assert j.keep(split, said)
    held = j.held("rep")
    assert held is not None and held.text == "" and held.segment.start == split.rest.pcm_start
    # The last word ran to the cut (or 0.4 s before it): it may be cut in two, nothing is written.
    for end in (4.8, 4.4):
        near = timed(*head, (" inconvenience.", 2.0, end))
        assert PhraseJoiner().split(soft, near) is None
    # A cut at a pause, or one the VAD heard as silence (not ``soft``): the phrase is a line as it is.
    assert PhraseJoiner().split(seg(1.0, 5.7, audio), said) is None


def test_a_run_on_too_long_to_hold_is_cut_at_its_last_clause_end_not_where_the_soft_cut_fell() -> None:
    """The demo call's credibility line, soft-cut after 6.5 s of speech with no sentence end: "Sure,
    some background on our company, Shiftwise was founded 11 years ago, we work with over 400."
    (the soft cut fell before "warehouses"). It cannot be held any longer; written whole, the next
    line began "warehouses and ...". Now it is cut after "ago," and the rest is held."""
    j = PhraseJoiner()
    run_on = timed(
        (" Sure,", 0.1, 0.5), (" founded", 0.7, 1.4), (" years", 1.5, 2.0), (" ago,", 2.0, 2.6),
        (" we", 3.0, 3.2), (" work", 3.2, 3.6), (" with", 3.6, 4.0), (" over", 4.0, 5.0), (" 400.", 5.2, 6.4),
    )  # fmt: skip
    long_soft = replace(seg(1.0, 7.5, pcm(6.7)), soft=True)  # longer than HOLD_MAX_S (6 s)
    assert j.wants_words(long_soft, Transcription(run_on.text, -0.1, None))
    split = j.split(long_soft, run_on)
    assert split is not None and split.text == "Sure, founded years ago,"
    assert split.rest_text == "we work with over 400."
    assert split.line.pcm + split.rest.pcm == long_soft.pcm
    assert j.keep(split, run_on) and j.held("rep") is not None
    # A phrase that can still be held waits for its sentence end; a sentence end wins over a comma.
    short = replace(seg(1.0, 6.5, pcm(5.7)), soft=True)
    # Decoded with word times only to see whether "400." ended well before the cut (it did not).
    assert j.wants_words(short, Transcription(run_on.text, -0.1, None))
    assert j.split(short, run_on) is None
    both = timed(
        (" Sure.", 0.1, 0.5), (" We", 0.9, 1.1), (" work,", 1.1, 2.5), (" and", 3.0, 3.2), (" on", 5.0, 6.4)
    )
    cut = PhraseJoiner().split(long_soft, both)
    assert cut is not None and cut.text == "Sure."
    # No clause end either: the phrase is written as it is.
    bare = timed((" we", 0.1, 0.5), (" work", 0.7, 2.0), (" with", 2.2, 4.0), (" over", 4.2, 6.4))
    assert not j.wants_words(long_soft, Transcription(bare.text, -0.1, None))
    assert PhraseJoiner().split(long_soft, bare) is None
    assert not PhraseJoiner().hold(long_soft, bare)


def test_a_line_cut_inside_the_held_phrase_was_complete_when_that_phrase_came() -> None:
    """ "Sure, that works. Let me" is held; the next phrase comes 3 s later and the line "Sure, that
    works." is cut inside the held audio: its ``received_at`` (``latency_s``) is the held phrase's,
    as a look ahead's split already had it, not the newer phrase's."""
    j = PhraseJoiner()
    held = replace(seg(1.0, 3.0, pcm(2.2, 100)), received_at=100.0)  # audio 0.9-3.1
    assert j.join(held) is held and j.hold(held, heard("Sure, that works. Let me"))
    joined = j.join(replace(seg(3.2, 5.5, pcm(2.4, 200)), received_at=103.0))  # audio 3.1-5.5
    assert joined is not None and joined.received_at == 103.0
    words = timed(
        (" Sure,", 0.1, 0.4), (" that", 0.5, 0.7), (" works.", 0.7, 1.2), (" Let", 1.6, 1.8),
        (" me", 1.8, 2.0), (" pull", 2.4, 2.8), (" up", 2.8, 3.2), (" the", 3.2, 3.5), (" file", 3.5, 4.4),
    )  # fmt: skip
    split = j.split(joined, words)
    assert split is not None and split.text == "Sure, that works."
    assert split.line.received_at == 100.0 and split.rest.received_at == 103.0
    # A line that takes audio of the newer phrase was complete only when that came.
    words = timed((" Sure,", 0.1, 0.4), (" that", 0.5, 1.2), (" works", 1.6, 2.6), (" out.", 2.6, 3.0),
                  (" Let", 3.4, 3.6), (" me", 3.6, 3.8), (" see", 3.8, 4.4))  # fmt: skip
    split = j.split(joined, words)
    assert split is not None and split.text == "Sure, that works out." and split.line.received_at == 103.0


def test_a_sentence_end_too_near_the_cut_gives_way_to_an_earlier_one() -> None:
    """On the mono phone call a soft cut fell just after "Okay." in "Thank you for that. Okay. Sorry.":
    that end left no room for the rest, and "Thank you for that." waited 4 s for the next cut."""
    j = PhraseJoiner()
    soft = replace(seg(1.0, 6.0, pcm(5.2)), soft=True)  # audio 0.9-6.1
    said = timed(
        (" Thank", 0.1, 0.3), (" you", 0.3, 0.5), (" for", 0.5, 0.7), (" that.", 0.7, 1.0),
        (" Okay.", 4.6, 4.9), (" Sorry.", 5.0, 5.2),
    )  # fmt: skip
    split = j.split(soft, said)
    assert split is not None
    assert (split.text, split.rest_text) == ("Thank you for that.", "Okay. Sorry.")
    assert split.rest.pcm_start == pytest.approx(0.9 + 2.8)  # the middle of the gap after "that."
    assert split.line.pcm + split.rest.pcm == soft.pcm
    # With no earlier sentence end there is nothing to cut.
    late = timed((" and", 0.1, 0.4), (" then", 0.5, 4.5), (" Okay.", 4.6, 4.9), (" Sorry.", 5.0, 5.2))
    assert j.split(soft, late) is None


# -- through the real pipeline, with a scripted transcriber ------------------------------------------

PHRASES = ["Our platform automates payroll.", "And it also", "handles overtime.", "Thanks, bye."]
SPANS = [(0.5, 4.5), (4.8, 6.0), (6.3, 7.5), (8.5, 9.5)]  # 0.3 s pauses, then 1.0 s before the last


def voiced(n: int) -> bytes:
    return np.full(320, n, dtype="<i2").tobytes()


class MonologueSource:
    """The rep saying phrase k (value k) over the k-th of ``spans``, silence between, for ``seconds``."""

    name = "scripted"
    rep_only = True
    end_reason = None
    end_detail = ""
    overflows = 0
    spans = SPANS
    seconds = 11.0

    def frames(self) -> Iterator[AudioFrame]:
        for i in range(int(self.seconds / FRAME_S)):
            time.sleep(0.005)  # a quarter of real time: call time stays near the worker's clock
            t = round(i * FRAME_S, 3)
            n = next((k for k, (a, b) in enumerate(self.spans, 1) if a <= t < b), 0)
            yield AudioFrame("rep", voiced(n) if n else b"\x00\x00" * 320, t)

    def close(self) -> None:
        pass

    def take_notices(self) -> list[str]:
        return []


class PhraseTranscriber:
    """Hears, in order, the phrase of every span with at least 50 ms of samples in the audio."""

    name = "scripted"

    def __init__(self) -> None:
        self.decoded: list[str] = []

    def warm(self) -> float:
        return 0.0

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        values = np.round(np.abs(audio) * 32768).astype(int)
        counts = np.bincount(values)
        present = sorted(
            {int(v) for v in values if v and counts[v] >= 800}, key=lambda v: int(np.argmax(values == v))
        )
        text = " ".join(PHRASES[v - 1] for v in present)
        self.decoded.append(text)
        return Transcription(text, -0.1, 0.01)


def run_scripted(
    journal: Path,
    transcriber: PhraseTranscriber,
    source: MonologueSource | None = None,
    paced: bool = False,
    settings: dict[str, object] | None = None,
    classifier: KeywordClassifier | None = None,
) -> list[Event]:
    """The real pipeline on a scripted source and transcriber, no refine pass; its events."""
    events: list[Event] = []
    build_session(
        Config().with_values({"refine.enabled": False, **(settings or {})}),
        source or MonologueSource(),
        journal,
        paced=paced,
        transcriber=transcriber,
        classifier=classifier or KeywordClassifier(),
        vad=fake_vad,  # type: ignore[arg-type]
    ).run(events.append)
    return events


def test_a_sentence_line_is_judged_after_its_turns_previous_line_and_a_new_turn_without(
    tmp_path: Path,
) -> None:
    class Recording(KeywordClassifier):
        def __init__(self) -> None:
            self.seen: list[tuple[str, str | None]] = []

        def classify(self, text: str, context: Context) -> Label:
            self.seen.append((text, context.turn_prev))
            return super().classify(text, context)

    classifier = Recording()
    run_scripted(
        tmp_path / "call.jsonl",
        PhraseTranscriber(),
        settings={"vad.partial_interval_s": 0},
        classifier=classifier,
    )
    assert classifier.seen == [
        ("Our platform automates payroll.", None),
        ("And it also handles overtime.", "Our platform automates payroll."),
        ("Thanks, bye.", None),  # a new turn after the 1.0 s pause
    ]


def test_a_monologue_becomes_one_line_per_sentence_as_it_is_spoken(tmp_path: Path) -> None:
    journal = tmp_path / "call.jsonl"
    transcriber = PhraseTranscriber()
    events = run_scripted(journal, transcriber, settings={"vad.partial_interval_s": 0})
    utts = [e for e in events if isinstance(e, Utterance)]
    assert [u.text for u in utts] == [
        "Our platform automates payroll.",
        "And it also handles overtime.",
        "Thanks, bye.",
    ]
    # The held fragment was decoded again with what followed, never shown as a line of its own.
    assert transcriber.decoded[:3] == [PHRASES[0], PHRASES[1], f"{PHRASES[1]} {PHRASES[2]}"]
    first, second, _ = utts
    assert first.start == pytest.approx(0.5, abs=0.05) and first.end == pytest.approx(4.5, abs=0.05)
    assert second.start == pytest.approx(4.8, abs=0.05) and second.end == pytest.approx(7.5, abs=0.05)
    assert second.voiced_s == pytest.approx(1.2 + 1.2, abs=0.1)
    records = [json.loads(x) for x in journal.read_text().splitlines() if '"utterance"' in x]
    # The first sentence is written while the monologue goes on (the speaker resumed at 4.8 s),
    # not after the 0.6 s pause that ends the turn at 8.1 s.
    assert records[0]["emitted_at"] < SPANS[2][0]
    assert records[1]["emitted_at"] < SPANS[3][1]


def test_without_phrase_pauses_the_monologue_is_one_line(tmp_path: Path) -> None:
    events = run_scripted(
        tmp_path / "call.jsonl",
        PhraseTranscriber(),
        settings={"vad.partial_interval_s": 0, "vad.phrase_pause_ms": 0},
    )
    texts = [e.text for e in events if isinstance(e, Utterance)]
    assert texts == [" ".join(PHRASES[:3]), PHRASES[3]]
    assert not [e for e in events if isinstance(e, Nudge)]


class BothChannelsSource(MonologueSource):
    """The same monologue on the rep's and the other party's channel."""

    rep_only = False

    def frames(self) -> Iterator[AudioFrame]:
        for frame in super().frames():
            yield frame
            yield replace(frame, speaker="prospect")


@pytest.mark.parametrize("prospect_phrases", [True, False, None])
def test_the_other_partys_sentence_lines_are_opt_in(tmp_path: Path, prospect_phrases: bool | None) -> None:
    settings: dict[str, object] = {"vad.partial_interval_s": 0}
    if prospect_phrases is not None:  # None: the default
        settings["vad.prospect_phrases"] = prospect_phrases
    events = run_scripted(
        tmp_path / "call.jsonl", PhraseTranscriber(), BothChannelsSource(), settings=settings
    )
    lines = {
        s: [e.text for e in events if isinstance(e, Utterance) and e.speaker == s]
        for s in ("rep", "prospect")
    }
    sentences = ["Our platform automates payroll.", "And it also handles overtime.", "Thanks, bye."]
    assert lines["rep"] == sentences
    assert lines["prospect"] == (sentences if prospect_phrases else [" ".join(PHRASES[:3]), PHRASES[3]])


def test_a_held_phrase_keeps_its_text_when_the_joined_decode_hears_nothing(tmp_path: Path) -> None:
    class Deaf(PhraseTranscriber):
        def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
            heard = super().transcribe(audio)
            return Transcription("", None, None) if PHRASES[2] in heard.text else heard

    events = run_scripted(tmp_path / "call.jsonl", Deaf(), settings={"vad.partial_interval_s": 0})
    texts = [e.text for e in events if isinstance(e, Utterance)]
    assert texts == [PHRASES[0], PHRASES[1], PHRASES[3]]


RUN_ON = [(0.5, 2.5), (2.5, 4.7), (5.0, 6.2)]
"""Two sentences with no pause between them (values 1 and 2: the second ends mid-sentence), a
0.3 s pause, then the sentence's end (value 3)."""


class RunOnSource(MonologueSource):
    spans = RUN_ON
    seconds = 8.0


class TimedTranscriber(PhraseTranscriber):
    """Also decodes with word times: each phrase's words spread evenly over its samples."""

    def __init__(self) -> None:
        super().__init__()
        self.timed = 0

    def transcribe_after(
        self,
        audio: np.ndarray,
        context_s: float,
        words_from_s: float,
        *,
        channel: ChannelConfidence | None = None,
    ) -> Transcription:
        self.timed += 1
        kept = self._ended([w for w in self._timed_words(audio) if (w.start + w.end) / 2 >= words_from_s])
        return Transcription("".join(w.text for w in kept).strip(), -0.1, None, words=tuple(kept))

    def _timed_words(self, audio: np.ndarray) -> list[Word]:
        values = np.round(np.abs(audio) * 32768).astype(int)
        ws: list[Word] = []
        for v in sorted({int(x) for x in values if x}, key=lambda v: int(np.argmax(values == v))):
            where = np.flatnonzero(values == v) / 16000
            texts = PHRASES[v - 1].split()
            step = (where[-1] - where[0]) / len(texts)
            ws += [Word(where[0] + i * step, where[0] + (i + 1) * step, f" {w}") for i, w in enumerate(texts)]
        return ws

    @staticmethod
    def _ended(ws: list[Word]) -> list[Word]:
        """The words of a decode as they are (a subclass may punctuate them)."""
        return ws


def test_sentences_with_no_pause_between_them_are_cut_apart_by_word_times(tmp_path: Path) -> None:
    journal = tmp_path / "call.jsonl"
    transcriber = TimedTranscriber()
    events = run_scripted(journal, transcriber, RunOnSource(), settings={"vad.partial_interval_s": 0})
    utts = [e for e in events if isinstance(e, Utterance)]
    assert [u.text for u in utts] == ["Our platform automates payroll.", "And it also handles overtime."]
    first, second = utts
    assert first.end == pytest.approx(2.5, abs=0.1) and second.start == pytest.approx(2.5, abs=0.1)
    assert first.voiced_s + second.voiced_s == pytest.approx(4.2 + 1.2, abs=0.1)
    records = [json.loads(x) for x in journal.read_text().splitlines() if '"utterance"' in x]
    assert records[0]["emitted_at"] < RUN_ON[2][1]  # written while the speaker went on
    assert transcriber.timed >= 1


SHORT_FIRST = [(0.5, 1.7), (2.0, 4.7), (5.0, 6.2)]
"""A short sentence (value 1), a 0.3 s pause, then a sentence in two phrases (values 2 and 3)."""


class ShortFirstSource(MonologueSource):
    spans = SHORT_FIRST
    seconds = 7.5


@pytest.mark.parametrize(("peek_s", "early"), [(1.5, True), (0.0, False)])
def test_a_short_held_sentence_is_written_once_the_next_words_confirm_it(
    tmp_path: Path, peek_s: float, early: bool
) -> None:
    journal = tmp_path / "call.jsonl"
    transcriber = TimedTranscriber()
    events = run_scripted(journal, transcriber, ShortFirstSource(), settings={"vad.peek_s": peek_s})
    utts = [e for e in events if isinstance(e, Utterance)]
    assert [u.text for u in utts] == [PHRASES[0], "And it also handles overtime."]
    assert utts[0].end == pytest.approx(SHORT_FIRST[0][1], abs=0.05)
    assert sum(u.voiced_s for u in utts) == pytest.approx(1.2 + 2.7 + 1.2, abs=0.1)
    records = [json.loads(x) for x in journal.read_text().splitlines() if '"utterance"' in x]
    # With a look ahead the short sentence is written 1.5 s into the next phrase, before its pause
    # at 4.7 s; without, when that phrase is cut and decoded with it.
    assert (records[0]["emitted_at"] < SHORT_FIRST[1][1]) is early
    assert records[0]["emitted_at"] >= SHORT_FIRST[1][0] + peek_s - 0.1  # a VAD frame early at most


def test_a_look_ahead_is_the_interim_text_of_the_phrase_going_on(tmp_path: Path) -> None:
    events = run_scripted(tmp_path / "call.jsonl", TimedTranscriber(), ShortFirstSource(), paced=True)
    shown = [(type(e).__name__, e.text) for e in events if isinstance(e, Partial | Utterance)]
    # The short sentence is held (shown as interim text), confirmed by the look ahead, which also
    # shows the next phrase's first words, with no decode of its own.
    assert shown[:3] == [("Partial", PHRASES[0]), ("Utterance", PHRASES[0]), ("Partial", PHRASES[1])]


def test_a_split_whose_rest_cannot_be_held_writes_the_rest_too(tmp_path: Path) -> None:
    """26 s utterances leave 2 s of Whisper's window for a held rest: the rest of the split (2.2 s)
    is a line at once instead of being decoded again with the turn's end past the window."""
    settings = {"vad.partial_interval_s": 0, "vad.max_utterance_s": 26}
    events = run_scripted(tmp_path / "call.jsonl", TimedTranscriber(), RunOnSource(), settings=settings)
    texts = [e.text for e in events if isinstance(e, Utterance)]
    assert texts == ["Our platform automates payroll.", "And it also", "handles overtime."]


def test_by_default_the_held_phrase_is_the_interim_text_and_no_extra_decode_is_made(tmp_path: Path) -> None:
    transcriber = PhraseTranscriber()
    events = run_scripted(tmp_path / "call.jsonl", transcriber, paced=True)
    partials = [e for e in events if isinstance(e, Partial)]
    # Shown while the sentence went on; then the short last turn, held at its pause (too little audio
    # to be a line alone) until the turn ended, when it became the line as it was.
    assert [p.text for p in partials] == ["And it also", "Thanks, bye."]
    lines = [e.text for e in events if isinstance(e, Utterance)]
    assert len(transcriber.decoded) == 4 and len(lines) == 3  # one decode per phrase, none extra


def test_a_turn_closing_in_silence_hands_back_the_held_phrase_and_forgets_the_turn() -> None:
    j = PhraseJoiner()
    line = seg(0.0, 3.5)
    j.written(line, "Our platform automates payroll.")  # the turn's audio so far: context for the next
    nxt = seg(3.7, 4.9)  # its audio starts where the line's ends
    assert j.join(nxt).context_s > 0
    assert j.hold(nxt, heard("Thanks."))  # a phrase that ends a sentence, held (too little audio alone)
    closing = replace(seg(5.05, 5.05), pcm=bytes(4800), voiced_s=0.0, phrase=False)
    held = j.close_turn(closing)
    assert held is not None and held.text == "Thanks." and held.segment.start == nxt.start
    assert held.result == heard("Thanks.")
    assert j.held("rep") is None and j.close_turn(closing) is None
    j.written(line, "Our platform automates payroll.")
    j.close_turn(closing)
    assert j.join(nxt) == nxt  # the turn ended: no context from it


class WordsSource(MonologueSource):
    """The rep saying one word per span (value k for the k-th), silence between spans that do not touch."""

    def __init__(self, spans: list[tuple[float, float]], seconds: float) -> None:
        self.spans = spans
        self.seconds = seconds


class WordTranscriber(TimedTranscriber):
    """Hears one word per value, ``words[k - 1]`` for value k, wherever at least 50 ms of it is in the
    audio, over its samples when decoding with word times; like Whisper, a decode's last word ends a
    sentence when it has no punctuation of its own."""

    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self.words = words

    def _timed_words(self, audio: np.ndarray) -> list[Word]:
        values = np.round(np.abs(audio) * 32768).astype(int)
        out = []
        for v in sorted({int(x) for x in values if x}, key=lambda v: int(np.argmax(values == v))):
            where = np.flatnonzero(values == v)
            if len(where) >= 800:
                out.append(Word(where[0] / 16000, (where[-1] + 1) / 16000, f" {self.words[v - 1]}"))
        return out

    @staticmethod
    def _ended(ws: list[Word]) -> list[Word]:
        if ws and ws[-1].text[-1] not in ".?!,":
            ws[-1] = replace(ws[-1], text=ws[-1].text + ".")
        return ws

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        text = "".join(w.text for w in self._ended(self._timed_words(audio))).strip()
        self.decoded.append(text)
        return Transcription(text, -0.1, 0.01)


@pytest.mark.parametrize(
    ("words", "spans", "lines", "cut", "voiced_s", "look_ahead_at"),
    [
        # The held phrase alone is heard "Thanks for this." (Whisper ends what it hears); with the look
        # ahead, "Thanks for this facility. Okay so": the line is written at the look ahead, with its
        # audio up to "facility.", and the rest of the phrase is decoded from there.
        (
            ["Thanks", "for", "this", "facility.", "Okay", "so", "we", "can", "help"],
            [
                (0.5, 0.9),
                (0.9, 1.3),
                (1.3, 1.8),
                (2.1, 2.8),
                (2.8, 3.2),
                (3.2, 3.9),
                (3.9, 4.6),
                (4.6, 5.3),
                (5.3, 6.0),
            ],
            ["Thanks for this facility.", "Okay so we can help."],
            2.8,
            1.3 + 3.9,
            2.1 + 1.5,
        ),
        # "Sure. That works" (a sentence end in 1.8 s of speech, too little to split) is held; the look
        # ahead hears "Sure." end: that is a line at once, "That works" is held and decoded with the rest.
        (
            ["Sure.", "That", "works", "for", "us"],
            [(0.5, 0.9), (0.9, 1.6), (1.6, 2.3), (2.6, 3.3), (3.3, 5.5)],
            ["Sure.", "That works for us."],
            0.9,
            1.8 + 2.9,
            2.6 + 1.5,
        ),
    ],
    ids=["inside the look ahead", "inside the held phrase"],
)
def test_a_sentence_end_a_look_ahead_hears_is_a_line_then_and_no_word_is_written_twice_or_lost(
    tmp_path: Path,
    words: list[str],
    spans: list[tuple[float, float]],
    lines: list[str],
    cut: float,
    voiced_s: float,
    look_ahead_at: float,
) -> None:
    journal = tmp_path / "call.jsonl"
    events = run_scripted(journal, WordTranscriber(words), WordsSource(spans, spans[-1][1] + 1.5))
    utts = [e for e in events if isinstance(e, Utterance)]
    assert [u.text for u in utts] == lines
    assert utts[0].end == pytest.approx(cut, abs=0.05) and utts[1].start == pytest.approx(cut, abs=0.1)
    assert sum(u.voiced_s for u in utts) == pytest.approx(voiced_s, abs=0.15)
    records = [json.loads(x) for x in journal.read_text().splitlines() if '"utterance"' in x]
    # Written at the look ahead (a VAD frame late at most), not when the turn ends.
    assert records[0]["emitted_at"] < look_ahead_at + 0.4
