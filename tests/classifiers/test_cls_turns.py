"""The detector's context rule (``classifiers.turns.TurnContext``), shared by the live pipeline, the
replay, the call evaluation and its training rows: what a rep line answers, and the line before it in
the same turn."""

from __future__ import annotations

from classifiers.turns import TurnContext


def test_a_rep_line_answers_the_prospects_whole_turn_and_knows_the_line_before_it() -> None:
    turns = TurnContext(turn_gap_s=0.6)
    assert turns.line("prospect", 0.0, 2.0, "We run twelve sites.") is None
    assert turns.line("prospect", 2.1, 3.5, "What does it cost?") is None
    first = turns.line("rep", 4.0, 6.0, "It's four dollars a device.")
    assert first is not None
    assert first.prospect_prev == "We run twelve sites. What does it cost?"
    assert first.turn_prev is None
    assert first.call_time == 4.0
    same_turn = turns.line("rep", 6.3, 8.0, "Agents are bundled.")
    assert same_turn is not None
    assert same_turn.turn_prev == "It's four dollars a device."
    assert same_turn.prospect_prev == "We run twelve sites. What does it cost?"


def test_a_new_prospect_turn_replaces_the_old_and_a_pause_ends_the_reps_turn() -> None:
    turns = TurnContext(turn_gap_s=0.6)
    turns.line("prospect", 0.0, 1.0, "Hello?")
    turns.line("rep", 1.5, 2.5, "Hi, it's Priya.")
    turns.line("prospect", 3.0, 4.0, "Oh hi.")
    later = turns.line("rep", 5.0, 6.0, "Thanks for the time.")
    assert later is not None
    assert later.prospect_prev == "Oh hi."  # not "Hello? Oh hi.": the rep spoke between them
    assert later.turn_prev is None  # the prospect's turn came between
    after_pause = turns.line("rep", 7.0, 8.0, "So, the agenda.")  # 1 s after the last line
    assert after_pause is not None and after_pause.turn_prev is None
    assert after_pause.prospect_prev == "Oh hi."


def test_the_turn_gap_is_the_segmenters_and_a_backchannel_does_not_end_the_reps_turn() -> None:
    turns = TurnContext(turn_gap_s=0.6)
    first = turns.line("rep", 0.0, 1.0, "So here is the plan.")
    assert first is not None and first.prospect_prev is None and first.turn_prev is None
    assert turns.line("prospect", 1.1, 1.3, "Mm-hm.") is None
    on = turns.line("rep", 1.4, 2.0, "First the data.")  # 0.4 s after the rep's last line
    assert on is not None
    assert on.turn_prev == "So here is the plan."
    assert on.prospect_prev == "Mm-hm."
    just_under = turns.line("rep", 2.59, 3.0, "Then the rollout.")  # 0.59 s: the same utterance
    assert just_under is not None and just_under.turn_prev == "First the data."
    at_gap = turns.line("rep", 3.6, 4.0, "Questions?")  # 0.6 s: a pause that ends an utterance
    assert at_gap is not None and at_gap.turn_prev is None
