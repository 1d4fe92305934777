"""The model worker: finals in order and never dropped; partials never delay them; back-pressure."""

from __future__ import annotations

import threading
import time

import pytest

from core.events import SpeechSegment
from live.guards import ChannelConfidence
from live.transcriber import Transcription
from live.worker import OnResult, TranscriptionWorker


def seg(i: int, final: bool = True, speaker: str = "rep") -> SpeechSegment:
    return SpeechSegment(speaker, bytes(3200), float(i), float(i) + 0.1, 0.1, final)  # type: ignore[arg-type]


class SlowTranscriber:
    name = "slow"

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None):
        self.delay = delay
        self.gate = gate
        self.calls = 0

    def warm(self) -> float:
        return 0.0

    def transcribe(self, audio, channel=None):  # type: ignore[no-untyped-def]
        if self.gate is not None:
            self.gate.wait(5)
        time.sleep(self.delay)
        self.calls += 1
        return Transcription("x", -0.1, 0.1)


def test_finals_in_order_and_partials_skipped_while_finals_wait() -> None:
    gate = threading.Event()
    done: list[SpeechSegment] = []
    w = TranscriptionWorker(SlowTranscriber(gate=gate), lambda s, _t: done.append(s))
    w.start()
    w.submit(seg(0))
    for i in range(1, 4):
        w.submit(seg(i))
        w.submit(seg(i, final=False))  # arrives while finals wait: worthless
    gate.set()
    w.close()
    assert [(s.start, s.final) for s in done] == [(0, True), (1, True), (2, True), (3, True)]


def test_each_speaker_has_its_own_confidence_record_for_the_whole_session() -> None:
    """The transcriber judges a decode against its speaker's recent ones: the worker hands it the
    same record for every final of a speaker, and another one for the other speaker."""
    seen: list[object] = []

    class Recording(SlowTranscriber):
        def transcribe(self, audio, channel=None):  # type: ignore[no-untyped-def]
            seen.append(channel)
            return super().transcribe(audio)

    w = TranscriptionWorker(Recording(), lambda s, _t: None)
    w.start()
    for i, who in enumerate(("rep", "prospect", "rep", "prospect", "rep")):
        w.submit(seg(i, speaker=who))
    w.close()
    records = seen
    assert all(isinstance(c, ChannelConfidence) for c in records)
    rep, prospect = records[0], records[1]
    assert rep is not prospect
    assert records == [rep, prospect, rep, prospect, rep]


def test_a_phrase_decoded_again_with_word_times_counts_once_in_its_speakers_record() -> None:
    """A phrase to cut at a sentence end is decoded twice (plain, then with word times); the
    speaker's usual confidence is taken from phrases, so only the timed decode stays recorded."""
    logprobs = iter([-0.2, -0.9, -0.3])  # plain, timed, the next phrase's plain decode

    class Timed(SlowTranscriber):
        def transcribe(self, audio, channel=None):  # type: ignore[no-untyped-def]
            return self._decode(channel)

        def transcribe_after(self, audio, context_s, words_from_s, channel=None):  # type: ignore[no-untyped-def]
            return self._decode(channel)

        def _decode(self, channel: ChannelConfidence) -> Transcription:
            lp = next(logprobs)
            channel.doubtful(lp, -0.6, 0.2)
            return Transcription("x", lp, 0.1)

    w = TranscriptionWorker(Timed(), lambda s, _t: None, wants_words=lambda s, t: t.avg_logprob == -0.2)
    w.start()
    w.submit(seg(0))
    w.submit(seg(1))
    w.close()
    record = w._confidence["rep"]
    assert len(record) == 2  # without the retraction: 3, the first phrase twice
    assert sorted(record._recent) == [-0.9, -0.3]


def test_a_decode_the_transcriber_did_not_record_retracts_nothing() -> None:
    """A transcriber that records nothing (a full 30 s window takes no second look): the timed
    decode of a phrase must not retract the previous phrase's entry."""
    first = ChannelConfidence()
    first.doubtful(-0.4, -0.6, 0.2)  # an earlier phrase, recorded

    class Quiet(SlowTranscriber):
        def transcribe(self, audio, channel=None):  # type: ignore[no-untyped-def]
            return Transcription("x", -0.2, 0.1)

        def transcribe_after(self, audio, context_s, words_from_s, channel=None):  # type: ignore[no-untyped-def]
            return Transcription("x y", -0.3, 0.1)

    w = TranscriptionWorker(Quiet(), lambda s, _t: None, wants_words=lambda s, t: t.text == "x")
    w._confidence["rep"] = first
    w.start()
    w.submit(seg(0))
    w.close()
    assert list(first._recent) == [-0.4] and first.recorded == 1


def test_only_latest_partial_per_speaker_is_transcribed() -> None:
    gate = threading.Event()
    done: list[SpeechSegment] = []
    w = TranscriptionWorker(SlowTranscriber(gate=gate), lambda s, _t: done.append(s))
    w.start()
    w.submit(seg(0))
    time.sleep(0.05)  # the worker holds final 0 (blocked on the gate)
    w.submit(seg(10, final=False))
    w.submit(seg(11, final=False))
    w.submit(seg(12, final=False, speaker="prospect"))
    w.submit(seg(20))
    gate.set()
    w.close()
    # Final 20 made the rep's pending partial stale; the prospect's partial was dropped at close.
    assert [(s.start, s.final) for s in done] == [(0, True), (20, True)]


def test_bounded_queue_blocks_the_producer_instead_of_growing() -> None:
    gate = threading.Event()
    w = TranscriptionWorker(SlowTranscriber(gate=gate), lambda s, _t: None, max_pending=2)
    w.start()
    submitted: list[int] = []

    def producer() -> None:
        for i in range(6):
            w.submit(seg(i))
            submitted.append(i)

    t = threading.Thread(target=producer)
    t.start()
    time.sleep(0.2)
    assert len(submitted) <= 3  # one in the model, two queued, the producer waits
    gate.set()
    t.join(5)
    w.close()
    assert submitted == list(range(6))


def test_a_failing_model_is_reported_not_swallowed() -> None:
    class Broken:
        name = "broken"

        def transcribe(self, audio, channel=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    w = TranscriptionWorker(Broken(), lambda s, _t: None, max_pending=1)
    w.start()
    for i in range(4):  # must not deadlock on the bounded queue
        w.submit(seg(i))
    w.close()
    assert isinstance(w.error, RuntimeError)


def test_partials_adapt_to_the_model_speed() -> None:
    """A 0.2 s model fed a partial every 20 ms serves at most half its time to partials."""
    done: list[SpeechSegment] = []
    w = TranscriptionWorker(SlowTranscriber(delay=0.2), lambda s, _t: done.append(s))
    w.start()
    t0 = time.monotonic()
    i = 0
    while time.monotonic() < t0 + 1.2:
        w.submit(seg(i, final=False))
        i += 1
        time.sleep(0.02)
    elapsed = time.monotonic() - t0
    w.close()
    assert i > 10
    # Busy 0.2 s, then idle at least 0.2 s: about 3 partials in 1.2 s, never more than half the time
    # (plus the one in progress at the end); counted against the measured time, so a loaded machine
    # that stretches the sleeps cannot fail it.
    assert 2 <= len(done) <= elapsed / 0.4 + 1


def test_batching_takes_the_other_speakers_waiting_final() -> None:
    class Batching(SlowTranscriber):
        def __init__(self, gate: threading.Event):
            super().__init__(gate=gate)
            self.batches: list[int] = []

        def transcribe_batch(self, audios):  # type: ignore[no-untyped-def]
            self.batches.append(len(audios))
            return [Transcription("x", -0.1, 0.1) for _ in audios]

    gate = threading.Event()
    tr = Batching(gate)
    done: list[SpeechSegment] = []
    w = TranscriptionWorker(tr, lambda s, _t: done.append(s), batch_channels=True)
    w.start()
    w.submit(seg(0))
    time.sleep(0.05)  # the worker holds rep final 0
    w.submit(seg(1))
    w.submit(seg(2))
    w.submit(seg(3, speaker="prospect"))
    gate.set()
    w.close()
    assert tr.batches == [2]  # rep 1 went together with the prospect's 3; rep 2 alone
    assert sorted(s.start for s in done) == [0, 1, 2, 3]


class InterimAware(SlowTranscriber):
    """Has the cheaper interim decode (``InterimTranscriber``): says which decode each segment got."""

    def transcribe(self, audio, channel=None):  # type: ignore[no-untyped-def]
        return Transcription("final", -0.1, 0.1)

    def transcribe_interim(self, audio):  # type: ignore[no-untyped-def]
        return Transcription("interim", -0.1, 0.1)


def test_interim_requests_take_the_cheaper_decode_and_finals_never_do() -> None:
    done: list[tuple[bool, str]] = []
    w = TranscriptionWorker(InterimAware(), lambda s, t: done.append((s.final, t.text)))
    w.start()
    w.submit(seg(0, final=False))
    time.sleep(0.1)  # served before the final arrives (a partial waiting behind a final is dropped)
    w.submit(seg(1))
    w.close()
    assert done == [(False, "interim"), (True, "final")]


def test_model_time_is_counted_per_kind_of_job() -> None:
    """Finals and interim decodes land in their own counters (the summary's ``model_busy_s``)."""
    interim_done = threading.Event()

    def on_result(s: SpeechSegment, _t: Transcription) -> None:
        if not s.final:
            interim_done.set()

    w = TranscriptionWorker(SlowTranscriber(delay=0.05), on_result)
    w.start()
    w.submit(seg(0, final=False))
    assert interim_done.wait(5)  # served before any final arrives (a final would drop it)
    for i in range(1, 4):
        w.submit(seg(i))
    w.close()
    assert set(w.busy_s) == {"final", "words", "peek", "interim", "refine"}
    assert w.busy_s["final"] >= 0.15  # three 0.05 s decodes
    assert w.busy_s["interim"] >= 0.05
    assert w.busy_s["refine"] == 0.0  # no refiner


def test_a_closing_segment_of_silence_is_no_batch_partner() -> None:
    """Its line is written by ``prepare`` (nothing to decode): batched behind the other speaker's
    waiting final, it would be written before that final's line."""

    class Batching(SlowTranscriber):
        def transcribe_batch(self, audios):  # type: ignore[no-untyped-def]
            return [Transcription("x", -0.1, 0.1) for _ in audios]

    order: list[str] = []

    def prepare(s: SpeechSegment) -> SpeechSegment | None:
        if s.voiced_s:
            return s
        order.append(f"{s.speaker} closing")  # the pipeline writes the held phrase here
        return None

    def on_result(s: SpeechSegment, _t: Transcription) -> None:
        order.append(f"{s.speaker} {s.start:g}")

    w = TranscriptionWorker(Batching(), on_result, batch_channels=True, prepare=prepare)
    closing = SpeechSegment("rep", b"", 2.0, 2.0, 0.0, True)
    w.submit(seg(1, speaker="prospect"))
    w.submit(closing)
    w.start()
    w.close()
    assert order == ["prospect 1", "rep closing"]


class Timed(SlowTranscriber):
    """Decodes with word times (look aheads need them) and in batches."""

    def transcribe_batch(self, audios):  # type: ignore[no-untyped-def]
        return [Transcription("x", -0.1, 0.1) for _ in audios]

    def transcribe_after(self, audio, context_s, words_from_s, *, channel=None):  # type: ignore[no-untyped-def]
        return Transcription("x", -0.1, 0.1)


def noting(order: list[str]) -> OnResult:
    """An ``on_result`` that notes what was decoded, in order: "rep ahead 2", "prospect phrase 1"."""
    return lambda s, _t: order.append(f"{s.speaker} {'ahead' if s.peek else 'phrase'} {s.start:g}")


def test_no_segment_overtakes_its_own_speakers_earlier_one_to_be_batched() -> None:
    """The rep's look ahead (or closing segment) waits behind the prospect's final: batching only
    takes the rep's next segment, and a look ahead is decoded alone, so the rep's phrase after it
    is not decoded first (the look ahead would then confirm nothing)."""

    order: list[str] = []
    w = TranscriptionWorker(
        Timed(),
        noting(order),
        batch_channels=True,
        prepare=lambda s: s,
    )
    w.submit(seg(1, speaker="prospect"))
    w.submit(SpeechSegment("rep", bytes(3200), 2.0, 3.5, 1.5, phrase=True, peek=True))
    w.submit(SpeechSegment("rep", bytes(3200), 2.0, 5.0, 3.0, phrase=True))
    w.start()
    w.close()
    assert order == ["prospect phrase 1", "rep ahead 2", "rep phrase 2"]


@pytest.mark.parametrize("skip", [False, True])
def test_a_look_ahead_behind_which_its_speakers_next_phrase_waits_is_skipped_when_live(skip: bool) -> None:
    """A lagging model: the rep's next phrase is queued behind the look ahead, and its decode joins
    the held phrase anyway. Live, the look ahead is not decoded (the line could not come sooner);
    in file mode it is, so the text of a file run does not depend on the queue. A look ahead with
    only the other speaker's phrase behind it is decoded either way."""

    order: list[str] = []
    w = TranscriptionWorker(
        Timed(),
        noting(order),
        prepare=lambda s: s,
        skip_stale_peeks=skip,
    )
    w.submit(SpeechSegment("rep", bytes(3200), 2.0, 3.5, 1.5, phrase=True, peek=True))
    w.submit(seg(3, speaker="prospect"))
    w.submit(SpeechSegment("rep", bytes(3200), 2.0, 5.0, 3.0, phrase=True))
    w.submit(SpeechSegment("rep", bytes(3200), 6.0, 7.5, 1.5, phrase=True, peek=True))
    w.start()
    w.close()
    if skip:
        assert order == ["prospect phrase 3", "rep phrase 2", "rep ahead 6"] and w.peeks_skipped == 1
    else:
        assert order == ["rep ahead 2", "prospect phrase 3", "rep phrase 2", "rep ahead 6"]
        assert w.peeks_skipped == 0
