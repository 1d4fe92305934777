"""Trust: abstain when unsure, judge turns by their sentences, quote only the rep's words, calibrate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from calls.store import load_call
from calls.transcript_md import render_markdown
from classifiers import load_classifier
from classifiers.base import Context
from classifiers.calibrate import Reading, ece, fit_temperature
from classifiers.cues import AGENDA, COURTESY, find_cues
from classifiers.dataset import HELDOUT_PATH, Example, load_examples
from classifiers.detector import AGENDA_MIN_CONFIDENCE, OneDownDetector
from classifiers.text import normalize, split_parts
from classifiers.verdict import decide
from core.config import Config, ConfigError
from core.events import Guess, Label, Utterance
from core.journal import JournalWriter, label_record
from core.taxonomy import LABELS, STANCES

MID = Context(call_time=12 * 60.0)


def probs(**weights: float) -> np.ndarray:
    """A probability vector over the taxonomy labels; the rest of the mass goes to neutral."""
    p = np.array([weights.get(label, 0.0) for label in LABELS])
    p[LABELS.index("neutral")] += 1.0 - p.sum()
    return p


# The verdict rule -----------------------------------------------------------------------------------


def test_a_confident_part_decides_the_turn() -> None:
    d = decide([probs(), probs(pain_probe=0.8)], list(LABELS), STANCES, 0.6)
    assert (d.label, d.part, d.unsure) == ("pain_probe", 1, False)


def test_below_the_threshold_the_turn_is_neutral_and_unsure_with_its_guess() -> None:
    d = decide([probs(neediness=0.55), probs(pain_probe=0.45)], list(LABELS), STANCES, 0.6)
    assert (d.label, d.unsure, d.guess) == ("neutral", True, ("neediness", pytest.approx(0.55)))


def test_the_strongest_confident_part_wins_and_one_down_breaks_ties() -> None:
    d = decide([probs(teaching=0.7), probs(solution_pitch=0.9)], list(LABELS), STANCES, 0.6)
    assert d.label == "solution_pitch"
    tie = decide([probs(teaching=0.7), probs(rapport=0.7)], list(LABELS), STANCES, 0.6)
    assert tie.label == "rapport"


def test_praise_has_its_own_threshold_and_never_lowers_the_bar_for_accusations() -> None:
    labels = list(LABELS)
    assert (
        decide([probs(teaching=0.45, rapport=0.2)], labels, STANCES, 0.6, one_up_threshold=0.3).label
        == "teaching"
    )
    unsure = decide([probs(pain_probe=0.45, rapport=0.2)], labels, STANCES, 0.6, one_up_threshold=0.3)
    assert (unsure.label, unsure.unsure) == ("neutral", True)


def test_a_withheld_part_is_never_presented_but_stays_the_guess() -> None:
    alone = decide([probs(teaching=0.7), probs(solution_pitch=0.9)], list(LABELS), STANCES, 0.6, withheld={1})
    assert (alone.label, alone.part) == ("teaching", 0)
    only = decide([probs(solution_pitch=0.9)], list(LABELS), STANCES, 0.6, withheld={0})
    assert (only.label, only.unsure, only.guess) == ("neutral", True, ("solution_pitch", pytest.approx(0.9)))


def test_a_plainly_neutral_turn_is_not_unsure() -> None:
    d = decide([probs(pain_probe=0.2), probs()], list(LABELS), STANCES, 0.6)
    assert (d.label, d.unsure, d.guess) == ("neutral", False, None)


def test_turns_split_into_sentences_and_fragments_join_the_next() -> None:
    text = "Sure, that works. Let me pull up my calendar. Does Thursday suit you and your CFO?"
    assert split_parts(text) == [
        "Sure, that works.",
        "Let me pull up my calendar.",
        "Does Thursday suit you and your CFO?",
    ]
    assert split_parts("Okay. So what keeps you up at night?") == ["Okay. So what keeps you up at night?"]
    assert split_parts("no punctuation at all here") == ["no punctuation at all here"]
    assert len(split_parts(" ".join(f"Sentence number {i}." for i in range(20)))) <= 8


# The detector --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detector() -> OneDownDetector:
    found = load_classifier()
    found.warm()
    return found


def test_an_unsure_verdict_is_neutral_without_a_nudge_and_keeps_its_guess() -> None:
    strict = load_classifier(min_confidence=0.999)
    label = strict.classify("so what would you say is your biggest challenge right now", MID)
    assert (label.label, label.stance, label.nudge, label.unsure) == ("neutral", "neutral", None, True)
    assert label.guess is not None and label.guess.label == "pain_probe"


def test_a_long_turn_is_judged_by_the_sentence_that_carries_it(detector: OneDownDetector) -> None:
    text = "Sure, that works for me. Let me pull up my notes. What keeps you up at night with the audits?"
    label = detector.classify(text, MID)
    assert label.label == "pain_probe" and label.stance == "one-down"
    assert label.part == "What keeps you up at night with the audits?"
    assert normalize(label.evidence) in normalize(label.part)


RECOMMEND = "Then what I would recommend as a next step is a two week study."
STUDY = "We measure absences for every shift, and review the results with you and your finance lead."
FOUNDED = "We were founded in two thousand nine and we serve over four hundred companies."


def test_a_sentence_that_carries_out_the_one_up_move_before_it_is_not_accused(
    detector: OneDownDetector,
) -> None:
    """The demo call's rep, one turn written as two sentence lines: the plan alone reads as a pitch. (The
    demo's own sentence goes on "..., so you can weigh the cost of doing nothing.", which the head trained
    on whole calls reads as teaching even alone.)"""
    alone = detector.classify(STUDY, MID)
    assert alone.stance == "one-down"
    after = detector.classify(STUDY, Context(call_time=MID.call_time, turn_prev=RECOMMEND))
    assert (after.stance, after.unsure, after.nudge) == ("neutral", True, None)
    assert after.guess is not None and after.guess.label == alone.label
    turn = detector.classify(f"{RECOMMEND} {STUDY}", MID)
    assert (turn.label, turn.part) == ("teaching", RECOMMEND)


def test_a_one_down_sentence_after_a_neutral_one_keeps_its_verdict(detector: OneDownDetector) -> None:
    after = detector.classify(FOUNDED, Context(call_time=MID.call_time, turn_prev="Sure, that works for me."))
    assert after.label == "credibility" and after.nudge


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "Perfect, I'll send the recording and the deck right after this.",
            "And we've helped a lot of companies just like yours.",
        ),
        ("Got it, so the renewal is in March.", "Or would you prefer to just take it from here?"),
        (
            "Right, and Dana is the one who signs the purchase order.",
            "Or we can go at whatever pace you're comfortable with.",
        ),
        (
            "So today it's mostly spreadsheets and a whiteboard in the dispatch office.",
            "And then maybe we could set up another call with your boss.",
        ),
    ],
)
def test_a_one_down_sentence_that_goes_on_from_a_neutral_one_is_still_accused(
    detector: OneDownDetector, before: str, after: str
) -> None:
    """Starting with "and" or "or" does not make a sentence half of the neutral one before it: a rule
    that read such sentences with the sentence before them silenced these (benchmarks/RESULTS.md)."""
    assert detector.classify(f"{before} {after}", MID).stance == "one-down"
    line = detector.classify(after, Context(call_time=MID.call_time, turn_prev=before))
    assert line.stance == "one-down" and line.nudge


OPENING = Context(call_time=60.0)
TIME_BOX = "Okay, so we've got thirty minutes today."
NEXT = "Then we see if it makes sense to talk again, sound alright?"


def test_the_rest_of_an_agenda_turn_is_agenda_unless_a_cue_or_a_sure_verdict_says_otherwise(
    detector: OneDownDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alone, "then we see if it makes sense to talk again" reads as One-Down (handing the buyer the
    process, or asking for the next meeting); after the rep's time box (the turn's previous line, or its
    own sentence) it is the call's plan."""
    alone = detector.classify(NEXT, OPENING)
    assert alone.stance == "one-down" and alone.nudge and alone.confidence < AGENDA_MIN_CONFIDENCE
    after = detector.classify(NEXT, Context(call_time=OPENING.call_time, turn_prev=TIME_BOX))
    assert (after.stance, after.unsure, after.nudge) == ("neutral", True, None)
    assert after.guess is not None and after.guess.label == alone.label
    assert detector.classify(f"{TIME_BOX} {NEXT}", OPENING).stance == "neutral"
    pitch = "Our platform books every missed call straight into your calendar."
    assert detector.classify(f"{TIME_BOX} {pitch}", OPENING).label == "solution_pitch"  # a cue stands
    # Later in the call a time check is no agenda: "we've got five minutes left" comes with asks.
    assert detector.classify(NEXT, Context(call_time=MID.call_time, turn_prev=TIME_BOX)).label == alone.label
    monkeypatch.setattr("classifiers.detector.AGENDA_MIN_CONFIDENCE", alone.confidence - 0.01)
    assert (
        detector.classify(NEXT, Context(call_time=OPENING.call_time, turn_prev=TIME_BOX)).label == alone.label
    )


@pytest.mark.parametrize(
    ("text", "agenda"),
    [
        ("so I have us down for thirty minutes", True),
        ("we've got till the top of the hour", True),
        ("I know you have a hard stop at three", True),
        ("let's keep it to twenty minutes", True),
        ("the plan is to confirm a few numbers", True),
        ("I was thinking we start with how you book jobs", True),
        ("we saved them thirty minutes a day", False),
        ("is there any way you could get me on the agenda", False),
        ("our plan is month to month, no contract", False),
        ("I have been on hold for twenty minutes", False),
        ("it saves thirty minutes today", False),
        ("I got stuck in traffic for an hour", False),
        ("the plan was to loop in finance", False),
    ],
)
def test_what_sets_an_agenda(text: str, agenda: bool) -> None:
    assert bool(AGENDA.search(normalize(text))) is agenda


def test_a_pitch_named_by_its_own_words_stands_after_teaching(detector: OneDownDetector) -> None:
    teach = "Buyers like you usually start by comparing features, and that is where they go wrong."
    pitch = "Our platform automates scheduling and cuts overtime by a third."
    assert detector.classify(f"{teach} {pitch}", MID).label == "solution_pitch"
    after = detector.classify(pitch, Context(call_time=MID.call_time, turn_prev=teach))
    assert after.label == "solution_pitch" and after.evidence in ("our platform", "automates")


def test_evidence_only_quotes_the_reps_own_words(detector: OneDownDetector) -> None:
    """Over the held-out lines: evidence is a piece of the utterance, never a training sentence."""
    for example in load_examples(HELDOUT_PATH)[:120]:
        label = detector.classify(example.text, example.context)
        assert normalize(label.evidence) in normalize(example.text), (example.text, label.evidence)
        if label.like:
            assert label.like != label.evidence
        assert label.nudge is None or label.stance != "neutral"


def test_min_confidence_is_a_validated_setting() -> None:
    assert Config().with_values({"detector.min_confidence": "0.8"}).detector.min_confidence == 0.8
    assert Config().detector.min_confidence is None
    with pytest.raises(ConfigError, match="detector.min_confidence"):
        Config().with_values({"detector.min_confidence": 1.5})


# Calibration ------------------------------------------------------------------------------------------


def test_temperature_scaling_recovers_an_overconfident_model() -> None:
    """Logits three times too sharp: the fitted temperature is about 3 and ECE falls."""
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"]
    readings = []
    for _ in range(3000):
        true = rng.normal(0, 1.0, 3)
        p = np.exp(true) / np.exp(true).sum()
        gold = labels[int(rng.choice(3, p=p))]
        readings.append(Reading(Example(text="x", label=gold), (true * 3.0,)))
    t = fit_temperature(readings, labels)
    assert 2.4 < t < 3.8
    assert ece(readings, labels, t) < ece(readings, labels, 1.0) / 2


# What is written ---------------------------------------------------------------------------------------


def test_the_journal_keeps_the_guess_and_nudges_only_one_down() -> None:
    unsure = Label("neutral", "neutral", 0.41, "", None, unsure=True, guess=Guess("neediness", 0.52))
    rec = label_record(unsure)
    assert rec["label"] == "neutral" and rec["nudge"] is None and rec["unsure"] is True
    assert rec["guess"] == {"label": "neediness", "confidence": 0.52}
    praise = label_record(Label("teaching", "one-up", 0.9, "the mistake", "Nice: you led."))
    assert praise["nudge"] is None and praise["reinforcement"] == "Nice: you led."


def test_saved_calls_say_like_without_quoting_it(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    j = JournalWriter(path)
    j.session(model="m", config={}, source="s")
    like = "so what does a typical monday look like for your team"
    j.utterance(
        Utterance(
            "rep",
            1.0,
            3.0,
            "how do the crews feel about overtime",
            2.0,
            0.1,
            Label("pain_probe", "one-down", 0.8, "", "Say what you see.", like=like),
        )
    )
    j.utterance(
        Utterance(
            "rep",
            4.0,
            6.0,
            "any chance you could intro me",
            2.0,
            0.1,
            Label("neutral", "neutral", 0.4, "", None, unsure=True, guess=Guess("neediness", 0.5)),
        )
    )
    j.close()
    call = load_call(path)
    assert call.lines[0].like == like and call.lines[1].unsure and call.lines[1].guess == "neediness"
    md = render_markdown(call)
    assert f"like: {like}" in md and f"“{like}”" not in md
    assert "unsure (leaned neediness)" in md
    assert call.summary.one_down == 1 and call.summary.unsure == 1  # unsure is not One-Down
    assert json.loads(path.read_text().splitlines()[2])["nudge"] is None


def test_like_names_only_what_a_writer_wrote_never_a_garbled_recognition() -> None:
    """The evidence bank (shown as "like: ...") holds written training lines only: a recognized
    variant can be garbled ("Come on, sleep whatever you want, it's your call.")."""
    from classifiers.model import HEAD_PATH, LinearHead
    from classifiers.train import training_examples

    written = {e.text for e in training_examples(spoken=False)}
    recognized = {e.text for e in training_examples() if e.recognized}
    bank = LinearHead.load(HEAD_PATH).bank_texts
    assert recognized and bank and set(bank) <= written


@pytest.mark.parametrize(
    "text",
    [
        "Can I put you on a brief hold while I check that?",
        "One moment while I pull up your account.",
        "Let me keep you on hold for two minutes, okay?",
    ],
)
def test_putting_the_buyer_on_hold_is_logistics_not_neediness(detector: OneDownDetector, text: str) -> None:
    """Heard in the recorded service call: "Can I put you on a brief hold ..." read `neediness`
    (0.53) before the logistics cue knew holds; it is a neutral cue now."""
    assert detector.classify(text, Context(300.0)).stance != "one-down"


def test_the_agenda_sets_are_whole_and_their_neutral_agendas_are_not_accused(
    detector: OneDownDetector,
) -> None:
    """Both sets carry their recognized text; the development set's neutral agendas, as written, stay
    unaccused (1 of 60 shown One-Down when the rule was chosen; 10 before it and the agenda data)."""
    from classifiers.dataset import AGENDA_PATHS, as_spoken

    sets = [load_examples(path) for path in AGENDA_PATHS]
    assert [len(s) for s in sets] == [120, 100]
    assert all(e.spoken for s in sets for e in s)
    neutral = [e for e in sets[0] if e.label == "neutral"]
    accused = [e.text for e in neutral if detector.classify(e.text, e.context).stance == "one-down"]
    assert len(accused) <= 3, accused
    heard = as_spoken(sets[0])
    assert (
        sum(detector.classify(e.text, e.context).stance == "one-down" for e in heard if e.label != "neutral")
        >= 55
    )


def test_looking_the_buyer_up_in_our_system_is_logistics_not_a_pitch(detector: OneDownDetector) -> None:
    """Heard in the recorded service call (agent as rep): "I see in our system ..." read as a
    `solution_pitch` (0.59, evidence "our system") before the logistics cue knew record look-ups.
    The product doing something is still a pitch. The line as `oneup run` heard it on Dec 7; an
    earlier hearing that ended "... the make and model?" reads `solution_pitch` 0.53 by likeness with
    the head trained on whole calls (the xfail test below; benchmarks/RESULTS.md, "The detector")."""
    heard = (
        "Okay, so I see in our system you've put several clouds of that."
        " Could I check with you which was the make and model of this one?"
    )
    assert detector.classify(heard, Context(60.0)).stance != "one-down"
    pitch = detector.classify("Our system flags every late invoice before it goes out.", Context(300.0))
    assert pitch.label == "solution_pitch"


@pytest.mark.xfail(
    strict=True,
    reason="a regression of the head trained on whole calls: solution_pitch 0.53 by likeness "
    "(benchmarks/RESULTS.md, 'The detector')",
)
def test_the_earlier_hearing_of_the_look_up_line_is_not_accused(detector: OneDownDetector) -> None:
    heard = (
        "Okay, so I see in our system you've put several clouds of that."
        " Could I check with you which was the make and model?"
    )
    assert detector.classify(heard, Context(60.0)).stance != "one-down"


@pytest.mark.parametrize(
    ("text", "pitch_cue"),
    [
        ("okay so I see in our system you've put several claims", False),  # a record look-up
        ("let me pull it up in our system", False),
        ("what our system does is route every ticket to the right agent", True),  # not logistics
        ("I see in our system you run two trucks, and our system can route both", True),  # said again
        ("our system routes every ticket", True),
    ],
)
def test_a_logistics_phrase_explains_the_words_inside_it(text: str, pitch_cue: bool) -> None:
    """With the encoder tuned on Dec 7, the pitch cue "our system" inside "I see in our system" (both
    cues fired on the same words) pushed the recorded service call's look-up to `solution_pitch` 0.59."""
    fired = {(h.cue.label, h.cue.name) for h in find_cues(text)}
    assert (("solution_pitch", "our_thing") in fired) is pitch_cue


@pytest.mark.parametrize(
    ("text", "courtesy"),
    [
        ("My pleasure, is that anything else I can help you with?", True),  # the service call, as heard
        ("Any other questions I can answer for you today?", True),
        ("What else can I help you with?", True),
        ("Can I help you with anything else on the account?", True),
        ("Was there anything else you needed?", True),
        ("ok great so you're all set um anything else i can do for you", True),
        ("Is there anything else I should know?", True),
        ("Is there anything else I can do to help you decide?", False),  # a purpose after it: the head's
        ("Is there anything else we can do to earn your business?", False),
        ("If there's anything else I can do for you, just give me a call.", False),
        ("Is there anything I can do to get this over the line?", False),
        ("Anything else coming up this year, keep me in mind.", False),
        ("Anything else I can do? I really need this one.", False),  # matched whole, one sentence
        ("Isn't there anything else I can do?", False),  # a plea: "do" alone is no offer
        ("What else can I do?", False),
        ("Is there anything more I can do on the price?", False),  # a concession: the deal is no topic
        ("Is there anything else I can do about that decision?", False),
        ("How else can I help with the budget?", False),
        ("Anything else I can do for this quarter?", False),
        ("Anything else I can help you with on the account?", True),
    ],
)
def test_what_is_a_closing_courtesy(text: str, courtesy: bool) -> None:
    assert bool(COURTESY.search(normalize(text))) is courtesy


def test_a_closing_courtesy_is_neutral_and_what_is_said_beside_it_is_still_judged(
    detector: OneDownDetector,
) -> None:
    """The head reads "anything else I can help you with?" as `neediness` (0.77 heard in the recorded
    service call, 0.98 written); a sentence that is only that courtesy is neutral and sure, with no
    nudge. A plea in the next sentence, or a purpose after it, is judged as before."""
    courtesy = "My pleasure. Is there anything else I can help you with today?"
    assert detector.scores(courtesy.split(". ")[1], MID)["neediness"] > 0.5  # the rule is what decides
    verdict = detector.classify(courtesy, MID)
    assert (verdict.stance, verdict.unsure, verdict.nudge, verdict.guess) == ("neutral", False, None, None)
    plea = detector.classify(
        "Is there anything else I can do? I really need this one to close this month.", MID
    )
    assert plea.stance == "one-down" and plea.nudge and plea.part and "really need" in plea.part
    assert detector.classify("Is there anything else I can do to help you decide?", MID).stance == "one-down"


def shown_one_down(detector: OneDownDetector, turns: list[Example]) -> tuple[list[str], int]:
    """A set's neutral and One-Up turns shown One-Down (their text), and its One-Down turns caught."""
    accused, caught = [], 0
    for e in turns:
        down = detector.classify(e.text, e.context).stance == "one-down"
        if STANCES[e.label] == "one-down":
            caught += down
        elif down:
            accused.append(e.text)
    return accused, caught


def test_the_closing_sets_are_whole_and_their_courtesies_are_not_accused(detector: OneDownDetector) -> None:
    """Both sets carry their recognized text. On the development set, as written, 4 of 70 neutral
    closings were shown One-Down with ``cues.COURTESY`` (26 without it) and 49 of 50 One-Down lines in
    their words still were (49 without it)."""
    from classifiers.dataset import CLOSING_PATHS

    sets = [load_examples(path) for path in CLOSING_PATHS]
    assert [len(s) for s in sets] == [120, 110]
    assert all(e.spoken for s in sets for e in s)
    accused, caught = shown_one_down(detector, sets[0])
    assert len(accused) <= 6, accused
    assert caught >= 47


def test_the_blind_sets_of_one_kind_as_written(detector: OneDownDetector) -> None:
    """Blind sets (Dec 7): the shipped detector accused 3 of 65 neutral questions, 2 of 65 One-Up
    turns, 1 of 65 prospecting lines, 6 of 70 answers to the buyer's questions and 3 of 70 turns after
    an objection, and caught 55, 52 and 54 of 55, 42 of 50 and 45 of 50 One-Down turns. A change that
    accuses more, or catches fewer, by more than two turns fails here."""
    from classifiers.dataset import (
        ANSWERS_PATH,
        INSIGHT_PATH,
        PROSPECTING_PATH,
        PUSHBACK_PATH,
        QUESTIONS_PATH,
    )

    limits = (
        (QUESTIONS_PATH, 5, 53),
        (INSIGHT_PATH, 4, 50),
        (PROSPECTING_PATH, 3, 52),
        (ANSWERS_PATH, 8, 40),
        (PUSHBACK_PATH, 5, 43),
    )
    for path, accused_max, caught_min in limits:
        accused, caught = shown_one_down(detector, load_examples(path))
        assert len(accused) <= accused_max, (path.name, accused)
        assert caught >= caught_min, path.name


def test_every_set_of_a_kind_is_whole_and_carries_what_tiny_en_heard() -> None:
    from classifiers.dataset import SETS_OF_A_KIND

    sets = {path.stem: load_examples(path) for path in SETS_OF_A_KIND}
    assert {name: len(s) for name, s in sets.items()} == {
        "eval_agenda_a": 120,
        "eval_agenda_b": 100,
        "eval_closing_a": 120,
        "eval_closing_b": 110,
        "eval_mechanics_a": 110,
        "eval_mechanics_b": 100,
        "eval_mechanics_c": 100,
        "eval_questions": 120,
        "eval_insight": 120,
        "eval_prospecting": 120,
        "eval_answers": 120,
        "eval_pushback": 120,
    }
    assert all(e.spoken for s in sets.values() for e in s)
    for s in sets.values():  # One-Down and another stance, so each set measures accusations and catches
        stances = {STANCES[e.label] for e in s}
        assert "one-down" in stances and len(stances) >= 2
