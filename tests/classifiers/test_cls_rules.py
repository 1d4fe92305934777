"""The user rules loader: clear one-line errors, and valid files parse to what they say."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.rules import RulesError, load_rules, parse_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "classifiers" / "rules.example.toml"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_example_file_loads() -> None:
    rules = load_rules(EXAMPLE)
    names = {label.name: label for label in rules.labels}
    assert names["early_discount"].stance == "one-down"
    assert names["early_discount"].is_custom
    assert not names["neediness"].is_custom
    assert "we can do a discount" in names["early_discount"].cues
    assert rules.example_similarity == pytest.approx(0.8)


def test_bad_toml_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[labels.neediness]\ncues = ["ok"]\n\n[labels.rapport\ncues = []\n')
    with pytest.raises(RulesError) as info:
        load_rules(path)
    message = str(info.value)
    assert "line 4" in message
    assert str(path) in message
    assert "\n" not in message


def test_unknown_label_key_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, '[labels.pain_probe]\ncue = ["where does it hurt"]\n')
    with pytest.raises(RulesError, match=r"labels\.pain_probe\.cue"):
        load_rules(path)


def test_unknown_top_level_key_is_named() -> None:
    with pytest.raises(RulesError, match=r"unknown key label\b"):
        parse_rules('[label.rapport]\ncues = ["x"]\n')


def test_new_label_needs_stance() -> None:
    with pytest.raises(RulesError, match=r"labels\.discount\.stance is required"):
        parse_rules('[labels.discount]\ncues = ["discount"]\n')


def test_bad_stance_value_is_rejected() -> None:
    with pytest.raises(RulesError, match=r"labels\.discount\.stance must be one of"):
        parse_rules('[labels.discount]\nstance = "down"\ncues = ["discount"]\n')


def test_builtin_stance_cannot_change() -> None:
    with pytest.raises(RulesError, match=r"labels\.rapport\.stance"):
        parse_rules('[labels.rapport]\nstance = "one-up"\n')


def test_cues_must_be_list_of_strings() -> None:
    with pytest.raises(RulesError, match=r"labels\.rapport\.cues must be a list of strings"):
        parse_rules('[labels.rapport]\ncues = "weekend"\n')


def test_a_cue_with_no_word_in_it_is_refused_not_left_to_never_match() -> None:
    with pytest.raises(RulesError, match=r"labels\.rapport\.cues: '!!!' has no word in it"):
        parse_rules('[labels.rapport]\ncues = ["weekend", "!!!"]\n')
    assert parse_rules('[labels.rapport]\ncues = ["24/7", "ok!"]\n') is not None
    # Filler sounds are taken out of what was said before cues match: a cue of only fillers never would.
    with pytest.raises(RulesError, match=r"labels\.rapport\.cues: 'uh, um' is only filler sounds"):
        parse_rules('[labels.rapport]\ncues = ["weekend", "uh, um"]\n')
    rules = parse_rules('[labels.rapport]\ncues = ["um, the weekend"]\nexamples = ["um"]\n')
    assert rules.labels[0].cues == ("um, the weekend",)


def test_a_cue_or_example_given_to_two_labels_is_refused() -> None:
    """It would go to whichever label comes first, silently (found by a QA pass)."""
    with pytest.raises(
        RulesError, match=r"labels\.teaching\.cues: 'Founded\.' is also one of labels\.credibility"
    ):
        parse_rules('[labels.credibility]\ncues = ["founded"]\n[labels.teaching]\ncues = ["Founded."]\n')
    with pytest.raises(RulesError, match=r"labels\.neutral\.examples: .* is also one of labels\.rapport"):
        parse_rules(
            '[labels.rapport]\nexamples = ["how was the game"]\n'
            '[labels.neutral]\nexamples = ["How was the game?"]\n'
        )
    assert parse_rules('[labels.rapport]\ncues = ["weekend"]\nexamples = ["weekend"]\n') is not None


def test_long_nudge_is_rejected() -> None:
    long = "x" * 91
    with pytest.raises(RulesError, match=r"nudges\[0\] is 91 characters"):
        parse_rules(f'[labels.rapport]\nnudges = ["{long}"]\n')


def test_nudges_on_a_neutral_label_are_an_error_not_silently_dropped() -> None:
    """Only a One-Down verdict carries a nudge (journal, classify, UI): a neutral tracker's nudges
    would never be shown, so the file says so instead of ignoring them."""
    with pytest.raises(RulesError, match=r"labels\.competitor\.nudges: a neutral label shows no nudge"):
        parse_rules(
            '[labels.competitor]\nstance = "neutral"\ncues = ["acme"]\nnudges = ["Ask what they like."]\n'
        )
    with pytest.raises(RulesError, match="a neutral label shows no nudge"):
        parse_rules('[labels.neutral]\nnudges = ["Fine."]\n')


def test_new_label_without_cues_or_examples_is_rejected() -> None:
    with pytest.raises(RulesError, match="needs cues or examples"):
        parse_rules('[labels.tracker]\nstance = "neutral"\n')


def test_similarity_setting_is_checked() -> None:
    with pytest.raises(RulesError, match="example_similarity"):
        parse_rules("[settings]\nexample_similarity = 2\n")
    assert parse_rules("[settings]\nexample_similarity = 0.9\n").example_similarity == pytest.approx(0.9)


def test_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")


def test_rules_error_is_a_value_error() -> None:
    assert issubclass(RulesError, ValueError)


def test_a_rules_file_that_is_not_a_regular_file_is_refused_not_read(tmp_path: Path) -> None:
    """A FIFO (or /dev/zero) would be read forever."""
    import os

    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    with pytest.raises(RulesError, match="not a regular file"):
        load_rules(fifo)
