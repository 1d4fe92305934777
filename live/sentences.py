"""Phrases into sentence lines: a phrase whose text ends mid-sentence is held, not shown as a line.

The segmenter cuts a *phrase* at each short pause while the speaker goes on
(``vad.phrase_pause_ms``). A phrase whose decoded text ends a sentence becomes a
line at once, with its label and nudge, so a monologue is coached sentence by
sentence instead of when the speaker finally stops. A phrase that ends
mid-sentence (or gave no text) is held: its audio is decoded again together
with what follows, so a line is not a fragment (a cut at ``vad.max_utterance_s``
in speech with no pause is the exception). The closing segment of a turn always
ends what is held: it is decoded with it, or, when it is only silence (the turn's
last phrase was cut at its pause and the speaker did not go on), the held phrase
is written as it was decoded (``close_turn``).

Context: a sentence decoded alone is heard worse than inside its turn. Measured on the
synthesized demo call (file mode, live text): the rep's WER was 15.1% with one line per
pause, 17.0% with every sentence decoded alone, 15.4% with the two rules here. What
follows a line of the same turn is decoded with the last seconds of that line's audio in
front (``SpeechSegment.context_s``; only the words after it are kept), and a phrase
heard on less than ``MIN_HEARD_S`` of audio (``MIN_HEARD_ALONE_S`` with no context) is held
even when it ends a sentence.

Split: a held phrase whose text goes on past a sentence end is decoded once more with word
times (``wants_words``), and ``split`` cuts it in the gap after that sentence's last word, at the
gap's quietest 20 ms (``CUT_SLACK_S``): the complete sentences are a line now, the rest is held.
A soft cut (speech with no pause, ``SpeechSegment.soft``) may split a word, so there only a
sentence end with words after it counts (a soft cut that found a gap the VAD heard as silence is
a plain phrase), or one whose last word ended ``TRAIL_GAP_S`` before the cut: the words after it
were cut off and not heard, so they are held (the rest has no text yet). A phrase too long to be
held any more (``HOLD_MAX_S``) with no such sentence end is cut at its last clause end instead.

Look aheads: a held phrase whose text ends a sentence (it was short, or softly cut) or holds one (too
short to be split) need not wait for the next cut. ``vad.peek_s`` into the speech after it the
segmenter sends a look ahead (``SpeechSegment.peek``); ``peek`` joins the two for a decode with word
times, and ``confirm`` makes the held phrase a line when those words end the sentence where the next
phrase's decode will divide old words from new, or else at the last sentence end they hear, inside
the held phrase (the rest stays held) or inside the look ahead (the line takes that audio, and the
next phrase is decoded from the cut). The rest of the look ahead's audio is decoded again with the
next phrase.

Used only in the worker thread (no lock): the worker joins before decoding, the
pipeline holds or marks a line after; ``release`` only once the worker has stopped.
With ``model.batch_channels``, a segment with context is decoded alone, not batched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from audio.segmenter import frame_energy
from core.events import SAMPLE_RATE, SAMPLE_WIDTH, Speaker, SpeechSegment
from core.text import clause_ends, ends_sentence, sentence_ends, sentences
from live.guards import MAX_WORDS_PER_S, words
from live.refine import Word
from live.transcriber import Transcription

HOLD_MAX_S = 6.0
"""A held phrase longer than this becomes a line anyway, so a sentence-less run-on still reaches the
coach (lowered when ``vad.max_utterance_s`` is long, so a decode stays inside Whisper's 30 s): up to
its last clause end (a comma, semicolon or colon) when it has one, the rest held, else whole. On the
real phone call mixed to mono, 6 s instead of 8 s took the p95 wait of a sentence for its line's
audio from 8.1 s to 5.7 s; the synthesized calls' WER did not get worse. The clause cut (Dec 5, file
mode): the demo call's "...founded 11 years ago, we work with over 400." | "warehouses and ..." became
"...founded 11 years ago," | "We work with over 400 warehouses and ..." (WER 15.25 -> 14.81%); the
other five benchmark sets unchanged but one word on the read clips (6.17 -> 6.42%)."""
CONTEXT_S = 4.0
"""Audio of the turn's previous line decoded in front of the next one (at most)."""
MIN_HEARD_S = 3.0
"""A phrase becomes a line on its own only when its decode heard at least this much audio (its
own and its context): the first short sentence of a turn waits to be decoded with the next.
Measured in file mode (benchmarks.sentences' sets; the wait from a sentence's end to the cut of the
segment that made it a line, decode time not counted): 4 s -> 3 s took the synthesized demo call's
p90 wait from 3.72 to 2.42 s, the read clips' from 3.46 to 2.64 s and the mono phone call's p50
from 1.58 to 1.44 s, with no WER worse (the mono call 24.1 -> 23.8% against offline whisper base,
the others the same); 2 s made the stereo call 3.0 points and the demo 1.1 points worse."""
MIN_HEARD_ALONE_S = 4.0
"""``MIN_HEARD_S`` for a phrase decoded with no context (the first of a turn): Whisper hears a
short sentence alone worse than one after the turn's earlier audio. Measured Dec 6 in file mode
(``benchmarks.sentences``' six sets, soft cuts trusted in a silent gap; words wrong, 3 s -> 4 s):
the demo call 68 -> 58 of 459 ("That's exactly what our platform solves." had been decoded alone
as "That said, naturally, what are our platform sounds?"), the mono phone call 63 -> 61 of 296,
the other four the same; all six 255 -> 243 of 1,752, where one line per pause gets 245. The
cost: such a sentence waits for the next phrase when the speaker goes on (file mode, from the
sentence's end to its line's audio: the demo's p95 2.87 -> 4.18 s, the read clips' 3.44 -> 4.13
s, the mono call's 4.81 s both, every set's p50 the same within 0.05 s). 4 s for every phrase (context
included): 244 wrong, the mono call's p50 1.44 -> 1.58 s; 3.5 s alone: 247."""
MIN_PART_S = 0.3
"""A split leaves at least this much audio on each side (word times are rough near the edges)."""
CUT_SLACK_S = 0.15
"""A split is cut at the quietest 20 ms from this long before the end of the sentence's last word to
this long after the start of the next (word times from Whisper's attention are rough; the pause is
where the energy is lowest), not blindly in the middle of the words' gap. Measured in file mode
(``benchmarks.sentences --fast``; WER, middle of the gap -> quietest): the mono phone call 20.61 ->
19.59%, the stereo call 24.75 -> 22.74%, the recorded dialogues 3.60 -> 2.70%, the demo call 15.47
-> 15.25%, the monologues and the read clips the same (11.76%, 6.17%); the rep's lines of the eight
synthesized calls of ``classifiers.evaluate --calls`` 21.82 -> 21.66% (3 calls better, 1 worse).
0.08 s: 20.61, 25.75, 2.70, 15.25, 11.76, 6.17%; 0.25 s: 19.59, 23.41, 2.70, 15.25, 11.76, 6.17%."""
TRAIL_GAP_S = 0.5
"""A soft cut this long after the end of its decode's last word, which ends a sentence: Whisper left out
the words the cut split (a cut-off word is often not written at all), so that sentence is complete and
becomes a line; the unheard audio after it is held for the next decode. Measured Dec 6 in file mode
(``benchmarks.sentences``' six sets, no refine; the wait from a sentence's end to its line's audio): on
the mono phone call "Of course, I'm so sorry for the inconvenience." came 4.55 -> 2.15 s after it
ended (its soft cut fell 1.2 s after its last word, inside "Jack, what was ..."), the mono call's
sentences over 4 s 5 -> 4 of 37; no other set moved and no word changed (242 wrong of 1,752 both;
0.8 s: the same). A soft phrase that ends a sentence is decoded with word times to see it (one with
context in front already is): on the mono call 1 more decode. Of its 8 soft phrases that end a
sentence (one run), the other seven's last word ended 0.02-0.31 s before the cut."""
AHEAD_ROOM_S = 0.1
"""A sentence end in a look ahead's decode needs this much of its audio after the cut (a cut of a
phrase needs ``MIN_PART_S`` on each side, the look ahead's end is no cut: the audio after it is decoded
with the next phrase). The figures in ``PhraseJoiner.confirm`` are with this value; MIN_PART_S there
instead was not measured."""
WINDOW_S = 28.0
"""What one decode may hold: Whisper sees 30 s, less a margin for pre-roll and hangover."""

_BYTES_PER_S = SAMPLE_RATE * SAMPLE_WIDTH


def _audio_end(seg: SpeechSegment) -> float:
    return seg.pcm_start + len(seg.pcm) / _BYTES_PER_S


def without_context(seg: SpeechSegment) -> SpeechSegment:
    """The segment's own audio, without the previous line's context in front."""
    if not seg.context_s:
        return seg
    skip = round(seg.context_s * SAMPLE_RATE) * SAMPLE_WIDTH
    return replace(
        seg,
        pcm=seg.pcm[skip:],
        pcm_start=round(seg.pcm_start + seg.context_s, 3),
        context_s=0.0,
        words_from_s=0.0,
    )


@dataclass(frozen=True, slots=True)
class Held:
    segment: SpeechSegment
    result: Transcription
    """The phrase's decode (its text and guard notes): the line as it is, if nothing follows."""

    @property
    def text(self) -> str:
        return self.result.text


@dataclass(frozen=True, slots=True)
class Split:
    """A decoded phrase cut at its last inner sentence end: ``line`` is written, ``rest`` held."""

    line: SpeechSegment
    text: str
    rest: SpeechSegment
    rest_text: str

    def line_result(self, decoded: Transcription) -> Transcription:
        """The line's part of the split decode: its text, no word times, the decode's guard notes."""
        return replace(decoded, text=self.text, words=())

    def rest_result(self, decoded: Transcription) -> Transcription:
        """The rest's part of the split decode: its text, no word times, and none of the decode's guard
        notes (they are journaled once, with ``line``)."""
        return replace(decoded, text=self.rest_text, words=(), guard=None, dropped_text=None)


@dataclass(frozen=True, slots=True)
class Consumed:
    """What a line written at a look ahead took of the phrase that look ahead began (``PhraseJoiner.join``
    decodes that phrase from ``at``)."""

    at: float
    """Call time where the line's audio ends, inside the look ahead."""
    next_start: float
    """Where the voice after it starts: the start of the rest of the phrase."""
    voiced_s: float
    """The phrase's voice up to ``at``, counted with the line instead."""


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A held phrase confirmed by a look ahead: ``line`` is written with ``result``; ``after`` is the
    words after the line's sentence end (interim text of the phrase in progress), from call time
    ``after_start``. The caller writes it with ``PhraseJoiner.accept``."""

    line: SpeechSegment
    result: Transcription
    after: str
    after_start: float
    consumed: Consumed | None = None
    """The line took the look ahead's audio up to a sentence end inside it."""
    rest: Held | None = None
    """The line is the held phrase up to a sentence end inside it: what is left, to hold again."""


def _heard_enough(seg: SpeechSegment) -> bool:
    return len(seg.pcm) / _BYTES_PER_S >= (MIN_HEARD_S if seg.context_s else MIN_HEARD_ALONE_S)


def _may_split(seg: SpeechSegment, text: str) -> bool:
    """A phrase heard on enough audio that is not a line as it is: its text does not end a
    sentence, or its cut was soft (a sentence end at its very end is not trusted)."""
    return seg.phrase and _heard_enough(seg) and (seg.soft or not ends_sentence(text))


def quietest(pcm: bytes, lo_s: float, hi_s: float, near: float) -> float:
    """The middle of the quietest 20 ms of ``pcm`` (10 ms steps) between ``lo_s`` and ``hi_s``
    seconds; of equally quiet ones the nearest to ``near``, which is also the answer when the
    stretch is too short to search."""
    win, hop = SAMPLE_RATE // 50, SAMPLE_RATE // 100
    samples = len(pcm) // SAMPLE_WIDTH
    first, last = round(lo_s * SAMPLE_RATE), min(round(hi_s * SAMPLE_RATE), samples) - win
    if last < first:
        return near
    starts = np.arange(first, last + 1, hop)
    energy = np.array([frame_energy(pcm[i * SAMPLE_WIDTH : (i + win) * SAMPLE_WIDTH]) for i in starts])
    middles = (starts + win / 2) / SAMPLE_RATE
    best = np.lexsort((np.abs(middles - near), energy))[0]
    return round(float(middles[best]), 4)


def _squeezed(seg: SpeechSegment, text: str) -> bool:
    """More words in ``text`` than anyone speaks in ``seg``'s time: word times squeezed by noise."""
    return len(words(text)) > MAX_WORDS_PER_S * max(seg.end - seg.start, 1.0)


def _middle(word: Word) -> float:
    return (word.start + word.end) / 2


def _sentence_cuts(words: tuple[Word, ...]) -> list[int]:
    """Indexes of the words that end a sentence and are followed by another word, last first."""
    return sentence_ends([w.text for w in words])[::-1]


def _clause_cuts(words: tuple[Word, ...]) -> list[int]:
    """Indexes of the words that end a clause and are followed by another word, last first."""
    return clause_ends([w.text for w in words])[::-1]


class PhraseJoiner:
    """At most one held phrase and one context line per speaker.

    Worker thread only, except ``release`` (called after the worker has stopped)."""

    def __init__(
        self,
        max_utterance_s: float = 15.0,
        min_voiced_s: float = 0.3,
        hold_max_s: float = HOLD_MAX_S,
        context_s: float = CONTEXT_S,
    ) -> None:
        room = WINDOW_S - max_utterance_s
        self._room_s = room
        self._context_s = max(0.0, min(context_s, room / 2))
        self._hold_max_s = max(0.0, min(hold_max_s, room - self._context_s))
        self._min_voiced_s = min_voiced_s
        self._held: dict[Speaker, Held] = {}
        self._context: dict[Speaker, SpeechSegment] = {}
        self._consumed: dict[Speaker, Consumed] = {}
        self._ahead: dict[Speaker, float] = {}
        """Per speaker, where the voice of the look ahead being decoded starts (call time)."""

    def join(self, seg: SpeechSegment) -> SpeechSegment | None:
        """The segment to decode: the speaker's held phrase and ``seg`` as one (phrases tile the
        audio), after the last seconds of the turn's previous line as context. None: nothing to
        decode (a click that closes a turn whose sentences are all written)."""
        held = self._held.get(seg.speaker)
        done = self._consumed.pop(seg.speaker, None)
        if held is None and done is not None and seg.pcm_start < done.at:
            # A look ahead wrote this phrase's first words with the line before (``_split_ahead``).
            if _audio_end(seg) <= done.at:  # all of it (a cut came before the look ahead's end)
                self._consumed[seg.speaker] = replace(done, voiced_s=max(0.0, done.voiced_s - seg.voiced_s))
                return None
            skip = round((done.at - seg.pcm_start) * SAMPLE_RATE) * SAMPLE_WIDTH
            start = round(min(max(seg.start, done.next_start), seg.end), 3)
            voiced = round(max(0.0, seg.voiced_s - done.voiced_s), 3)
            seg = replace(seg, pcm=seg.pcm[skip:], pcm_start=done.at, start=start, voiced_s=voiced)
        if held is not None:
            h = held.segment
            seg = replace(
                seg,
                pcm=h.pcm + seg.pcm,
                start=h.start,
                pcm_start=h.pcm_start,
                voiced_s=round(h.voiced_s + seg.voiced_s, 3),
            )
        elif not seg.phrase and seg.voiced_s < self._min_voiced_s:
            # The segmenter always closes a turn that cut a phrase; with nothing held this is a
            # cough or a click after the last sentence, which the VAD would have dropped.
            self._context.pop(seg.speaker, None)
            return None
        ctx = self._context.get(seg.speaker)
        if ctx is None or abs(_audio_end(ctx) - seg.pcm_start) > 0.01 or not self._context_s:
            return seg
        take = min(len(ctx.pcm), round(self._context_s * SAMPLE_RATE) * SAMPLE_WIDTH)
        context_s = take / _BYTES_PER_S
        pcm_start = round(seg.pcm_start - context_s, 3)
        return replace(
            seg,
            pcm=ctx.pcm[-take:] + seg.pcm,
            pcm_start=pcm_start,
            context_s=context_s,
            words_from_s=round((ctx.end + seg.start) / 2 - pcm_start, 3),
        )

    def peek(self, seg: SpeechSegment) -> SpeechSegment | None:
        """What to decode for a look ahead (``SpeechSegment.peek``): the held phrase, when its text
        ends a sentence or holds one (heard on too little audio to be split), joined with the speech
        that follows it so far (as ``join`` would); None: nothing to confirm (nothing held, a held
        phrase with no sentence end, or one whose audio does not end where the look ahead's begins)."""
        held = self._held.get(seg.speaker)
        if held is None or not (ends_sentence(held.text) or len(sentences(held.text)) > 1):
            return None
        if abs(_audio_end(held.segment) - seg.pcm_start) > 0.01:
            return None  # not the speech right after it
        self._ahead[seg.speaker] = seg.start
        return self.join(seg)

    def confirm(self, seg: SpeechSegment, tr: Transcription) -> Confirmed | None:
        """A look ahead's decode (``peek``) whose words end a sentence where the held phrase was
        cut and go on after it: the held phrase as a line now, with the look ahead's text up to that
        sentence end (heard with the words that follow, as a joined decode is); the caller writes it
        (``accept``). "Where it was cut" is where the next phrase's decode, with this line as
        context, will divide old words from new (``join``'s ``words_from_s``: the middle between the
        line's last voice and the next phrase's first): the sentence's last word has its middle before
        that point and the next word after it, so no word is written twice or lost at a cut that
        split a word. Otherwise the look ahead's own last sentence end with words after it makes the
        line (``_split_ahead``): Whisper heard the sentence end elsewhere than at the cut ("Okay,
        wonderful, thanks for this." | "facility. Okay." was written at the look ahead, not 3.4 s
        later at the next soft cut). None: no sentence end; the phrase stays held.

        The look ahead's own sentence ends, measured Dec 7 (AMD EPYC, 2 cores; ``benchmarks.sentences``),
        before -> after: realtime, the mono phone call's sentence latency p50 / p95 1.98 / 6.11 and
        1.84 / 6.15 s -> 1.96 / 5.18 and 1.96 / 5.19 s (sentences over 4 s 7 -> 4 of 39), CPU-s per
        audio second 0.281 / 0.279 -> 0.295 / 0.289. File mode, WER: the mono call 19.80 -> 18.79%,
        the stereo call 22.15 -> 21.48%, the demo call 12.85 -> 11.55%; the monologues, the dialogue
        and the read clips unchanged (11.03, 2.70, 6.67%). Tried and not kept: a look ahead after
        every phrase cut, nothing held (after a line, with it as context), so a sentence that
        starts a phrase with no cut after it is written at the look ahead ("Thank you for that."):
        p95 5.22 s in one run, but the look aheads' model time 0.010 -> 0.093 s per audio second on
        the monologues (file mode CPU-s 0.181 -> 0.249, the mono call 0.232 -> 0.317). With it,
        ``HOLD_MAX_S`` 5 s instead of 6: one realtime run's p95 3.96 s (2 sentences over 4 s), but
        WER worse (the stereo call 21.48 -> 23.83%, the read clips 6.67 -> 7.16%)."""
        held = self._held.get(seg.speaker)
        ahead = self._ahead.pop(seg.speaker, None)
        if held is None or ahead is None or not tr.words:
            return None
        at = (held.segment.end + ahead) / 2 - seg.pcm_start
        for k in _sentence_cuts(tr.words) if ends_sentence(held.text) else []:
            if _middle(tr.words[k]) < at <= _middle(tr.words[k + 1]):
                break
        else:
            return self._split_ahead(seg, tr, held, ahead)
        text = "".join(w.text for w in tr.words[: k + 1]).strip()
        line = held.segment
        if _squeezed(line, text):
            return None  # word times squeezed (noise)
        after = "".join(w.text for w in tr.words[k + 1 :]).strip()
        return Confirmed(line, replace(tr, text=text, words=()), after, ahead)

    def _split_ahead(
        self, seg: SpeechSegment, tr: Transcription, held: Held, ahead: float
    ) -> Confirmed | None:
        """The look ahead's words end a sentence elsewhere than at the held phrase's cut: the last such
        end with words after it, as in a soft phrase (``split``; its last clause end when the two are
        longer than ``hold_max_s``), but the look ahead's end needs only ``AHEAD_ROOM_S`` after it (it
        is no cut: what follows is decoded with the next phrase). At a cut inside the look ahead's
        audio the line takes that audio and its voice (``Consumed``); at one inside the held phrase,
        the line is the phrase up to it and the rest, with its words, stays held; at one in the held
        phrase's closing pause (no word after it there), the line is the whole held phrase."""
        whole = replace(seg, peek=False)
        cut = self._cut(whole, tr, self._cut_points(whole, tr), room_after_s=AHEAD_ROOM_S)
        if cut is None:
            return None
        h = held.segment
        held_end, at = _audio_end(h), cut.rest.pcm_start
        result = cut.line_result(tr)
        after, after_start = cut.rest_text, cut.rest.start
        if at >= held_end:
            voice = round(max(0.0, at - max(ahead, held_end)), 3)
            line = replace(cut.line, voiced_s=round(h.voiced_s + voice, 3))
            return Confirmed(line, result, after, after_start, consumed=Consumed(at, after_start, voice))
        said = "".join(w.text for w in tr.words if at <= seg.pcm_start + _middle(w) < held_end).strip()
        if not said:
            return Confirmed(h, result, after, after_start)
        share = (at - h.pcm_start) / (held_end - h.pcm_start)
        line = replace(cut.line, voiced_s=round(h.voiced_s * share, 3), received_at=h.received_at)
        keep = round((held_end - at) * SAMPLE_RATE) * SAMPLE_WIDTH
        rest = replace(
            cut.rest,
            pcm=cut.rest.pcm[:keep],
            start=min(cut.rest.start, h.end),
            end=h.end,
            voiced_s=round(h.voiced_s - line.voiced_s, 3),
            received_at=h.received_at,
        )
        kept = Held(rest, replace(cut, rest_text=said).rest_result(tr))
        return Confirmed(line, result, after, after_start, rest=kept)

    def _too_long(self, seg: SpeechSegment) -> bool:
        """Too long to be held any more (``hold_max_s``): it becomes a line now, however it ends (a
        phrase that may split is cut at its last clause end when it has no sentence end)."""
        return seg.end - seg.start > self._hold_max_s

    def wants_words(self, seg: SpeechSegment, tr: Transcription) -> bool:
        """The decode may split (see ``split``) but has no word times: decode it again with them (a
        soft phrase that ends a sentence too, to see where its last word ended: ``TRAIL_GAP_S``).
        Only then: a timed decode of every phrase cost 2.5 points of the rep's WER on the demo call."""
        if tr.words or seg.peek or not _may_split(seg, tr.text):
            return False
        forced_cut = self._too_long(seg) and bool(clause_ends(tr.text.split()))
        return len(sentences(tr.text)) > 1 or forced_cut or (seg.soft and ends_sentence(tr.text))

    def split(self, seg: SpeechSegment, tr: Transcription) -> Split | None:
        """A phrase heard on enough audio whose text goes on past a sentence end (a trailing one
        too, when the cut was soft): its complete sentences as a line now, cut at the quietest
        point of the gap after the sentence's last word (``CUT_SLACK_S``); the rest to hold. The
        last such end that leaves ``MIN_PART_S`` of audio on each side is taken; a phrase that can
        not be held any more (``HOLD_MAX_S``) without one is cut at its last clause end. A soft
        phrase whose last word ends a sentence ``TRAIL_GAP_S`` before the cut is cut after that
        word (the rest, not heard yet, has no text). None: no such end."""
        if not _may_split(seg, tr.text) or not tr.words:
            return None
        split = self._cut(seg, tr, self._cut_points(seg, tr), trailing=True)
        held = self._held.get(seg.speaker)
        if (
            split is not None
            and held is not None
            and _audio_end(split.line) <= _audio_end(held.segment) + 0.01
        ):
            # The line ends inside the phrase that was held: its audio was complete when that came.
            split = replace(split, line=replace(split.line, received_at=held.segment.received_at))
        return split

    def _cut_points(self, seg: SpeechSegment, tr: Transcription) -> list[int]:
        """Where ``seg`` may be cut, as word indexes: after its sentence ends, and after its clause ends
        too once it is too long to be held any more (``_too_long``)."""
        cuts = _sentence_cuts(tr.words)
        if self._too_long(seg):
            cuts += _clause_cuts(tr.words)
        return cuts

    def _cut(
        self,
        seg: SpeechSegment,
        tr: Transcription,
        cuts: list[int],
        trailing: bool = False,
        room_after_s: float = MIN_PART_S,
    ) -> Split | None:
        """``split``'s cut, at the first of ``cuts`` (word indexes, last first) with ``MIN_PART_S`` of
        audio before it and ``room_after_s`` after it (``trailing``: a soft phrase's last sentence end
        with ``TRAIL_GAP_S`` after it first)."""
        own = without_context(seg)
        own_s = len(own.pcm) / _BYTES_PER_S
        last = len(tr.words) - 1
        said_last = tr.words[last].end - seg.context_s
        if trailing and seg.soft and ends_sentence(tr.text) and own_s - said_last >= TRAIL_GAP_S:
            k, near, next_s = last, said_last, None  # where the next word starts is not known
        else:
            # The last sentence end that leaves room on both sides: "Thank you for that. Okay. Sorry."
            # cut by a soft cut just after "Okay." is cut after "that." (the rest is held). A phrase
            # that cannot be held any more and has no such end is cut at its last clause end instead.
            for k in cuts:
                near = (tr.words[k].end + tr.words[k + 1].start) / 2 - seg.context_s
                if MIN_PART_S <= near <= own_s - room_after_s:
                    break
            else:
                return None
            next_s = tr.words[k + 1].start - seg.context_s
        said_s = tr.words[k].end - seg.context_s
        lo = max(MIN_PART_S, said_s - CUT_SLACK_S)
        hi = min(own_s - room_after_s, (said_s if next_s is None else next_s) + CUT_SLACK_S)
        cut_s = quietest(own.pcm, lo, hi, near=near)
        cut = round(cut_s * SAMPLE_RATE) * SAMPLE_WIDTH
        at = round(own.pcm_start + cut / _BYTES_PER_S, 3)
        voiced = round(seg.voiced_s * cut_s / own_s, 3)
        said_end = own.pcm_start + said_s
        next_start = at if next_s is None else own.pcm_start + next_s
        end = round(min(max(said_end, own.start), at), 3)
        line = replace(own, pcm=own.pcm[:cut], end=end, voiced_s=voiced)
        rest = replace(
            own,
            pcm=own.pcm[cut:],
            pcm_start=at,
            start=round(min(max(next_start, at), own.end), 3),
            voiced_s=round(seg.voiced_s - voiced, 3),
        )
        text = "".join(w.text for w in tr.words[: k + 1]).strip()
        rest_text = "".join(w.text for w in tr.words[k + 1 :]).strip()
        if _squeezed(line, text) or _squeezed(rest, rest_text):
            return None  # word times squeezed (noise): no cut is better than a wrong one
        return Split(line, text, rest, rest_text)

    def hold(self, seg: SpeechSegment, tr: Transcription) -> bool:
        """Keep ``seg`` (decoded as ``tr``) for the next decode when it is a phrase that ends
        mid-sentence (or softly cut), or one heard on too little audio; False: it is a line now
        (call ``written``)."""
        if not seg.phrase or self._too_long(seg):
            return False
        if ends_sentence(tr.text) and not seg.soft and _heard_enough(seg):
            return False
        self._held[seg.speaker] = Held(without_context(seg), tr)
        return True

    def keep(self, split: Split, tr: Transcription) -> bool:
        """``split.line`` was written and the rest is held, to be decoded again without context:
        decoded after the written sentence (sometimes 1 s of it), the rest came out worse. Measured
        in file mode: monologue WER 11.8% with that context, 11.0% without (as with no split);
        the real dialogue 6.3% / 3.6%; the demo call 13.5% / 12.6%. False: the rest is too long to
        be decoded again with a whole next segment inside Whisper's window (only with soft cuts off
        and a long ``vad.max_utterance_s``): it is a line too (call ``written``), with
        ``split.rest_result(tr)`` as its decode, as the held rest has."""
        self.written(split.line, split.text)
        if len(split.rest.pcm) / _BYTES_PER_S > self._room_s:
            return False
        self._context.pop(split.rest.speaker, None)
        self._held[split.rest.speaker] = Held(split.rest, split.rest_result(tr))
        return True

    def accept(self, confirmed: Confirmed) -> None:
        """``confirmed.line`` is written (as ``written``), and what the look ahead's own sentence end
        left is held (``Confirmed.rest``) or cut from the next phrase (``Confirmed.consumed``)."""
        line = confirmed.line
        self.written(line, confirmed.result.text)
        if confirmed.consumed is not None:
            self._consumed[line.speaker] = confirmed.consumed
        if confirmed.rest is not None:
            self._context.pop(line.speaker, None)
            self._held[line.speaker] = confirmed.rest

    def close_turn(self, seg: SpeechSegment) -> Held | None:
        """``seg`` is a turn's closing segment of only silence (the segmenter cut the turn's last
        phrase at its pause, and the speaker did not resume): nothing new to decode. The held phrase,
        if any, is a line as it is (the same audio decoded again would give the same text); the
        caller writes it. Nothing of the turn stays held or is context any more."""
        self._context.pop(seg.speaker, None)
        self._consumed.pop(seg.speaker, None)
        return self._held.pop(seg.speaker, None)

    def written(self, seg: SpeechSegment, text: str) -> None:
        """``seg`` became a line (``text``; empty when nothing was recognized): nothing is held any
        more, and its audio is the context of the rest of its turn, if the turn goes on."""
        self._held.pop(seg.speaker, None)
        if seg.phrase and text:
            self._context[seg.speaker] = without_context(seg)
        else:
            self._context.pop(seg.speaker, None)

    def held(self, speaker: Speaker) -> Held | None:
        return self._held.get(speaker)

    def release(self) -> list[Held]:
        """Whatever is still held (only when a call ends abnormally): to be written as it is."""
        out = list(self._held.values())
        self._held.clear()
        return out
