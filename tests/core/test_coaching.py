"""Coaching signals on a scripted utterance stream."""

from __future__ import annotations

import pytest

from core.coaching import CoachingTracker, count_questions
from core.config import CoachConfig
from core.events import Label, Utterance


def u(
    speaker: str, start: float, end: float, text: str = "words here", label: str | None = None
) -> Utterance:
    lab = Label(label, "one-down" if label == "pain_probe" else "one-up", 0.9, "", None) if label else None
    return Utterance(speaker, start, end, text, end - start, 0.5, lab)  # type: ignore[arg-type]


def test_share_monologue_questions_patience_and_labels() -> None:
    t = CoachingTracker(CoachConfig(monologue_alert_s=20))
    t.add(u("rep", 0, 10, "so what keeps you up at night?", "pain_probe"))
    t.add(u("rep", 11, 25, "what we're seeing is rates doubling", "perspective"))
    c = t.add(u("prospect", 26, 28.5, "yeah that's fair"))  # 2.5 s: ends the monologue
    assert c.longest_monologue_s == 25 and c.current_monologue_s == 0
    t.add(u("prospect", 29, 29.5, "mm-hmm"))  # backchannel
    c = t.add(u("rep", 31, 33, "how many sites do you run"))
    assert c.rep_s == 26 and c.prospect_s == 3
    assert c.rep_share == pytest.approx(26 / 29)
    assert c.questions == 2
    assert c.patience_s == pytest.approx(1.5)  # 31 - 29.5
    assert c.labels == {"pain_probe": 1, "perspective": 1} and c.one_down == 1 and c.one_up == 1
    assert not c.monologue_alert
    c = t.add(u("rep", 34, 60))
    assert c.monologue_alert and c.current_monologue_s == 29
    s = t.summary(61.0)
    assert s["duration_s"] == 61.0 and s["talk_time"] == {"rep": 52.0, "prospect": 3.0}
    assert s["longest_rep_monologue_s"] == 29 and s["rep_share"] == pytest.approx(52 / 55, abs=1e-4)


def test_rep_only_has_no_share() -> None:
    t = CoachingTracker(CoachConfig(), rep_only=True)
    assert t.add(u("rep", 0, 3)).rep_share is None
    assert t.summary(3)["rep_share"] is None


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("what's your timeline?", 1),
        ("is it? and why?", 2),
        ("how many sites do you run", 1),
        ("so which erp are you on", 1),
        ("we help teams like yours", 0),
        ("okay great", 0),
        ("do you have a budget for this", 1),
        ("what you're finding is overtime", 0),
    ],
)
def test_question_counting(text: str, n: int) -> None:
    assert count_questions(text) == n


def test_a_revision_moves_the_question_and_label_counts_to_the_saved_words() -> None:
    """The refine pass rewrites lines: the summary counts what the saved transcript says (a QA pass
    found 8 questions in a summary whose saved rep lines hold 5)."""
    t = CoachingTracker(CoachConfig())
    asked = u("rep", 0, 4, "so what keeps you up at night? and why?", "pain_probe")
    t.add(asked)
    told = u("prospect", 5, 7, "is it? sure")
    t.add(told)
    assert t.questions == 2
    stated = Label("perspective", "one-up", 0.8, "", None)
    t.revise(asked, "rates keep you up at night, and rising.", stated)
    t.revise(told, "it is sure", None)  # the prospect's questions are not the rep's
    s = t.summary(8.0)
    assert (
        s["questions"] == 0 and s["labels"] == {"perspective": 1} and s["one_down"] == 0 and s["one_up"] == 1
    )
