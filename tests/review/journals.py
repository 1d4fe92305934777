"""Test journals in the documented format, written with the real ``JournalWriter``.

``write_call`` writes a small, fully known call: who said what when, which rep
lines were One-Down (with their nudge) or One-Up, a mark, a pause, and the
summary the live tracker computes, so tests can assert reports against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calls.store import coach_config
from core.coaching import CoachingTracker
from core.events import Label, Mark, Speaker, Stance, Utterance
from core.journal import JournalWriter


@dataclass(frozen=True)
class Said:
    speaker: Speaker
    start: float
    end: float
    text: str
    label: str | None = None
    stance: Stance | None = None
    note: str | None = None
    """The nudge (One-Down) or the reinforcement (One-Up)."""
    evidence: str = ""


CALL: tuple[Said, ...] = (
    Said(
        "rep",
        0.5,
        4.0,
        "Hi Dana, how was your weekend at the lake?",
        "rapport",
        "one-down",
        "Skip the small talk: open with one change you see hitting their industry.",
        "how was your weekend",
    ),
    Said("prospect", 4.6, 8.0, "Good thanks, the kids loved it."),
    Said(
        "rep",
        8.5,
        15.0,
        "We were founded in 1998 and we work with over 400 warehouses.",
        "credibility",
        "one-down",
        "Drop the 'why us': share what you're seeing across their industry instead.",
        "founded in",
    ),
    Said("prospect", 15.5, 24.0, "Okay. We mostly struggle with shift coverage on weekends."),
    Said(
        "rep",
        24.6,
        30.0,
        "What keeps you up at night about scheduling?",
        "pain_probe",
        "one-down",
        "Don't ask for their pain: say why companies like theirs usually have it.",
        "keeps you up at night",
    ),
    Said("prospect", 30.5, 40.0, "Honestly the no-shows. Every Monday we scramble to fill the gaps."),
    Said(
        "rep",
        40.5,
        52.0,
        "What we're seeing across logistics is that the labour pool shrank by a fifth in two years.",
        "perspective",
        "one-up",
        "Good: an outside insight. Next, tie it to their situation.",
        "what we're seeing",
    ),
    Said("prospect", 52.5, 58.0, "That matches what we see."),
    Said(
        "rep",
        58.5,
        66.0,
        "You're probably finding that supervisors spend hours every week filling gaps.",
        "challenges",
        "one-up",
        "Good: you stated their challenge. Let them confirm it.",
        "you're probably finding",
    ),
    Said("rep", 66.5, 70.0, "Let me share my screen.", "neutral", "neutral", None, ""),
    Said(
        "rep",
        70.5,
        80.0,
        "Our platform automatically offers open shifts to your workers by text.",
        "solution_pitch",
        "one-down",
        "Hold the features: name the challenge it solves for companies like theirs.",
        "our platform",
    ),
    Said("prospect", 80.5, 86.0, "Interesting. What would it cost?"),
    Said(
        "rep",
        86.5,
        94.0,
        "Whatever works for you, how would you like to proceed from here?",
        "buyer_led",
        "one-down",
        "Lead the process: recommend the next step and who should be in it.",
        "how would you like to proceed",
    ),
)
MARK_AT = 31.0
MARK_NOTE = "no-shows: follow up"
ONE_DOWN = [s for s in CALL if s.stance == "one-down"]
ONE_UP = [s for s in CALL if s.stance == "one-up"]


def utterance(s: Said) -> Utterance:
    label = None
    if s.label is not None and s.stance is not None:
        label = Label(s.label, s.stance, 0.9, s.evidence, s.note)
    voiced = round((s.end - s.start) * 0.8, 3)
    return Utterance(
        s.speaker, s.start, s.end, s.text, voiced, 0.4, label, nudge_shown=s.stance == "one-down"
    )


def write_call(
    path: Path,
    *,
    summary: bool = True,
    config: dict[str, Any] | None = None,
    started_at: str | None = None,
    call: tuple[Said, ...] = CALL,
) -> Path:
    """Write the call to ``path`` (with its summary line unless ``summary`` is False)."""
    config = config or {"coach": {"target_rep_share": 0.43, "target_band": 0.1}}
    tracker = CoachingTracker(coach_config(config))
    w = JournalWriter(path, force=True)
    w.session(model="tiny.en", config=config, source="/calls/dana.wav", rep_only=False, paced=True)
    marked = False
    for s in call:
        if not marked and s.start > MARK_AT:
            w.mark(Mark(MARK_AT, MARK_NOTE))
            w.write({"type": "pause", "at": MARK_AT + 1})
            w.write({"type": "resume", "at": MARK_AT + 2})
            marked = True
        u = utterance(s)
        w.utterance(u)
        tracker.add(u)
    if summary:
        w.write(tracker.summary(call[-1].end + 1) | {"echo_s": 0.0, "end_reason": "end of audio"})
    w.close()
    if started_at is not None:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[0] = json.dumps(json.loads(lines[0]) | {"started_at": started_at}) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
    return path
