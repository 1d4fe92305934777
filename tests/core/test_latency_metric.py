"""The sentence-latency metric of benchmarks/sentences.py, on hand-made transcripts."""

from __future__ import annotations

from tuning.latency import EmittedLine, RefSentence, sentence_latencies, split_sentences


def test_latency_is_the_emission_of_the_line_with_the_sentences_last_recognized_word() -> None:
    refs = [RefSentence("We cut costs by half.", 3.0), RefSentence("Does Thursday work?", 5.0)]
    lines = [EmittedLine("we cut costs by half", 3.8), EmittedLine("does thursday work", 6.5)]
    assert sentence_latencies(refs, lines) == [0.8, 1.5]


def test_a_sentence_finalized_with_the_next_one_waits_for_it() -> None:
    refs = [RefSentence("We cut costs by half.", 3.0), RefSentence("Does Thursday work?", 5.0)]
    lines = [EmittedLine("We cut costs by half. Does Thursday work?", 7.0)]
    assert sentence_latencies(refs, lines) == [4.0, 2.0]


def test_misrecognized_last_word_falls_back_to_the_last_recognized_one_and_missing_is_none() -> None:
    refs = [RefSentence("Our platform automates invoicing.", 2.0), RefSentence("Goodbye now.", 4.0)]
    lines = [EmittedLine("our platform automates", 2.5), EmittedLine("invoicing something", 9.0)]
    # "invoicing" is recognized in the second line: the sentence is complete only then.
    assert sentence_latencies(refs, lines) == [7.0, None]


def test_split_sentences_cuts_at_sentence_punctuation() -> None:
    words = [(" Hi", 0.3), (" there.", 0.6), (" How", 1.0), (" are", 1.2), (" you?", 1.5), (" So", 2.0)]
    got = split_sentences(words)
    assert [(s.text, s.end) for s in got] == [("Hi there.", 0.6), ("How are you?", 1.5), ("So", 2.0)]


def test_split_sentences_keeps_a_title_and_a_lower_case_run_on_in_their_sentence() -> None:
    words = [(" Thanks,", 0.4), (" Mr.", 0.7), (" Kelly.", 1.1), (" Over", 1.5), (" 400.", 1.9)]
    words += [(" warehouses", 2.4), (" use", 2.6), (" it.", 2.9)]
    got = split_sentences(words)
    want = [("Thanks, Mr. Kelly.", 1.1), ("Over 400. warehouses use it.", 2.9)]
    assert [(s.text, s.end) for s in got] == want
