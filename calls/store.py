"""Saved calls: load a journal into typed data, list the sessions folder, delete calls.

Review and report read journals that may come from a killed process (no summary
line, a cut last line) or were edited by hand, so loading is forgiving: a line
that is not valid JSON or not a valid record is reported with its line number
and skipped, unknown fields are ignored, and a missing summary is recomputed
from the utterances with the same ``CoachingTracker`` the live call uses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from core.coaching import CoachingTracker
from core.config import CoachConfig, ConfigError
from core.events import Label, Speaker, Stance, Utterance
from core.fmt import share_verdict
from core.journal import JOURNAL_VERSION, JournalError, beside, iter_journal
from core.paths import data_dir, not_regular

RECOMPUTED = "cut (summary recomputed)"
"""``end_reason`` of a summary rebuilt from the utterances of a journal that has none."""


class SessionError(JournalError):
    """A saved call cannot be read, found or deleted; one line for the user."""


@dataclass(frozen=True, slots=True)
class Line:
    """One utterance of a saved call, as the journal recorded it."""

    index: int
    """Position among the call's utterances in journal order (stable id for jumps and diffs)."""
    speaker: Speaker
    start: float
    end: float
    text: str
    voiced_s: float
    label: str | None = None
    stance: Stance | None = None
    confidence: float | None = None
    evidence: str | None = None
    nudge: str | None = None
    """The One-Up alternative of a One-Down line."""
    reinforcement: str | None = None
    """The praise for a One-Up line."""
    nudge_shown: bool | None = None
    unsure: bool = False
    """The detector was not sure: presented as neutral; ``guess`` is what it leaned to."""
    guess: str | None = None
    guess_confidence: float | None = None
    part: str | None = None
    """The sentence of a long turn that decided the label."""
    like: str | None = None
    """A training example the line resembles (never the rep's words)."""
    id: int | None = None
    """The utterance's id in the journal (revisions refer to it); None in version 1 journals."""
    live_text: str | None = None
    """When the refine pass revised the line: the text the live pass wrote."""
    label_before: str | None = None
    """When a revision changed the label: the live label."""
    stance_before: Stance | None = None
    """When the refine pass revised the line: the live stance (what the rep was shown)."""

    @property
    def relabelled(self) -> bool:
        return self.live_text is not None and self.label_before != self.label

    @property
    def refine_note(self) -> str | None:
        """For a line the refine pass relabelled: what the live coach had shown (the saved verdict is
        not what the rep saw during the call), as review, the transcript and the scorecard say it."""
        if not self.relabelled:
            return None
        was = self.label_before or "unlabelled"
        return f"↻ refined with context: label was {was} (live text: {self.live_text})"

    @property
    def one_down(self) -> bool:
        return self.stance == "one-down"

    @property
    def withdrawn(self) -> bool:
        """The live coach showed this line as One-Down (a custom label's too) and the refine pass,
        hearing it again with the call's context, read it otherwise."""
        return self.relabelled and self.stance_before == "one-down" and not self.one_down

    @property
    def one_up(self) -> bool:
        return self.stance == "one-up"


@dataclass(frozen=True, slots=True)
class Moment:
    """A non-speech event of the call: a mark, a pause, a resume or an advisory."""

    kind: str
    at: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    """The call's figures: from the journal's summary line, or recomputed when it has none."""

    duration_s: float
    rep_s: float
    prospect_s: float
    rep_share: float | None
    target_rep_share: float
    target_band: float
    longest_rep_monologue_s: float
    questions: int
    patience_s: float | None
    labels: Mapping[str, int]
    one_down: int
    one_up: int
    end_reason: str = ""
    recomputed: bool = False
    unsure: int = 0
    """Rep lines shown as neutral because the detector was not sure."""

    @property
    def no_share_why(self) -> str:
        """Why there is no talk share: nobody spoke, or only the rep's channel was recorded."""
        return "no speech" if self.rep_s + self.prospect_s <= 0 else "rep-only recording"

    def share_verdict(self) -> str | None:
        """ "high", "low" or "in band" against the target band; None without a share."""
        if self.rep_share is None:
            return None
        return share_verdict(self.rep_share, self.target_rep_share, self.target_band)


@dataclass(frozen=True)
class SavedCall:
    """A whole saved call: what review and report work from."""

    path: Path
    started_at: datetime | None
    source: str
    model: str
    rep_only: bool
    config: Mapping[str, Any]
    lines: tuple[Line, ...]
    moments: tuple[Moment, ...]
    summary: Summary
    problems: tuple[str, ...] = field(default=())
    """Lines skipped while reading, as "path:N: why"."""

    @property
    def id(self) -> str:
        return self.path.stem

    @property
    def marks(self) -> tuple[Moment, ...]:
        return tuple(m for m in self.moments if m.kind == "mark")

    @property
    def rep_lines(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.speaker == "rep")

    @property
    def one_down_rate(self) -> float | None:
        """Share of labelled rep utterances that were One-Down: comparable across calls of any length."""
        labelled = [line for line in self.rep_lines if line.stance is not None]
        if not labelled:
            return None
        return sum(line.one_down for line in labelled) / len(labelled)


# Reading -------------------------------------------------------------------------------------------


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """The journal's lines (see ``core.journal.iter_journal``), errors as ``SessionError``."""
    try:
        yield from iter_journal(path)
    except SessionError:
        raise
    except JournalError as exc:
        raise SessionError(str(exc)) from None


MAX_VALUE = 1e7
"""No time (s) or count in a journal is larger (115 days): a line with one is garbage, skipped (an
end of 1e12 s had the HTML report draw a timeline without end)."""


def _num(rec: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = _opt_num(rec.get(key, default))
    if value is None:
        raise ValueError(key)
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters (a terminal's escape sequences among them): no speech is written with them, and
a report or ``--print`` would hand them to the user's terminal."""


def _line(index: int, rec: Mapping[str, Any]) -> Line:
    speaker = rec.get("speaker")
    text = rec.get("text")
    if speaker not in ("rep", "prospect") or not isinstance(text, str):
        raise ValueError("speaker/text")
    text = _CONTROL.sub("", text)
    start, end = _num(rec, "start"), _num(rec, "end")
    stance = rec.get("stance") if rec.get("stance") in ("one-down", "one-up", "neutral") else None
    label = _str(rec, "label")
    conf = rec.get("confidence")
    shown = rec.get("nudge_shown")
    guess = rec.get("guess")
    return Line(
        index=index,
        speaker=speaker,
        start=start,
        end=max(start, end),
        text=text,
        voiced_s=_num(rec, "voiced_s", max(0.0, end - start)),
        label=label if speaker == "rep" else None,
        stance=stance if speaker == "rep" and label else None,
        confidence=_opt_num(conf),
        evidence=_str(rec, "evidence"),
        nudge=_str(rec, "nudge"),
        reinforcement=_str(rec, "reinforcement"),
        nudge_shown=shown if isinstance(shown, bool) else None,
        id=_id(rec.get("id")),
        unsure=speaker == "rep" and rec.get("unsure") is True,
        guess=_str(guess, "label") if isinstance(guess, Mapping) else None,
        guess_confidence=_opt_num(guess.get("confidence")) if isinstance(guess, Mapping) else None,
        part=_str(rec, "part"),
        like=_str(rec, "like"),
    )


def _id(value: object) -> int | None:
    """An utterance id: an int (not a bool); anything else (a list, an object) names no utterance."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_num(value: object) -> float | None:
    """``value`` as a number a journal can hold (not a bool, finite, at most ``MAX_VALUE``), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= MAX_VALUE:
        return None
    return float(value)


def _str(rec: Mapping[str, Any], key: str) -> str | None:
    value = rec.get(key)
    return _CONTROL.sub("", value) or None if isinstance(value, str) else None


def _started_at(value: object) -> datetime | None:
    """The session's start, or None when it is not a date this machine can place in time (the sessions
    list and the trend sort by its timestamp: "0001-01-01T00:00:00" in local time has none)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
        when.timestamp()
    except (ValueError, OverflowError, OSError):
        return None
    return when


def coach_config(config: Mapping[str, Any]) -> CoachConfig:
    """The coaching targets the call ran with (defaults for what the session line lacks or gets wrong)."""
    section = config.get("coach") if isinstance(config, Mapping) else None
    if not isinstance(section, Mapping):
        return CoachConfig()
    known = {f.name for f in fields(CoachConfig)}
    values = {k: v for k, v in section.items() if k in known and isinstance(v, (int, float))}
    try:
        return CoachConfig(**values)
    except (ConfigError, TypeError):
        return CoachConfig()


def load_call(path: Path | str) -> SavedCall:
    """Read a journal; raises ``SessionError`` when nothing of a call is in it."""
    path = Path(path)
    if not_regular(path) and not path.is_dir():  # a FIFO or /dev/zero would be read forever
        raise SessionError(f"{path}: not a regular file")
    session: Mapping[str, Any] = {}
    summary_rec: Mapping[str, Any] | None = None
    lines: list[Line] = []
    revisions: list[tuple[int, Mapping[str, Any]]] = []
    moments: list[Moment] = []
    problems: list[str] = []
    heard_until = 0.0
    """The end of the last speech the journal records with no line (``dropped``): a cut call lasted
    at least that long."""
    for n, rec, why in _records(path):
        if rec is None:
            problems.append(f"{path}:{n}: {why}")
            continue
        kind = rec["type"]
        try:
            if kind == "session" and not session:
                session = rec
            elif kind == "utterance":
                lines.append(_line(len(lines), rec))
            elif kind == "revision":
                revisions.append((n, rec))
            elif kind in ("mark", "pause", "resume", "advisory"):
                note = _str(rec, "note" if kind == "mark" else "message")
                moments.append(Moment(kind, _num(rec, "at"), note or ""))
            elif kind == "summary":
                summary_rec = rec
            elif kind == "dropped":
                heard_until = max(heard_until, _num(rec, "end"))
        except ValueError as exc:
            problems.append(f"{path}:{n}: {kind} record with a missing or invalid '{exc}', skipped")
    if not session and not lines:
        raise SessionError(f"{path}: not a oneup session journal (no session or utterance lines)")
    lines = _revised(lines, revisions, path, problems)
    version = session.get("version", 1)
    if isinstance(version, int) and version > JOURNAL_VERSION:
        problems.append(
            f"{path}: written by a newer oneup (journal version {version}; this one reads up to "
            f"{JOURNAL_VERSION}): fields it does not know are ignored"
        )
    raw_config = session.get("config")
    config: Mapping[str, Any] = raw_config if isinstance(raw_config, Mapping) else {}
    rep_only = session.get("rep_only") is True
    summary = None
    if summary_rec is not None:
        try:
            summary = _summary_from_record(summary_rec)
        except (ValueError, TypeError, AttributeError, OverflowError):
            problems.append(f"{path}: summary line is invalid: recomputed from the utterances")
    if summary is None:
        summary = recompute_summary(lines, moments, coach_config(config), rep_only, heard_until)
    return SavedCall(
        path=path,
        started_at=_started_at(session.get("started_at")),
        source=_CONTROL.sub("", str(session.get("source", ""))),
        model=_CONTROL.sub("", str(session.get("model", ""))),
        rep_only=rep_only,
        config=config,
        lines=tuple(lines),
        moments=tuple(moments),
        summary=summary,
        problems=tuple(problems),
    )


def _revised(
    lines: list[Line], revisions: list[tuple[int, Mapping[str, Any]]], path: Path, problems: list[str]
) -> list[Line]:
    """Every line as its latest revision has it (the journal is append-only: a revision is a new line)."""
    by_id = {line.id: i for i, line in enumerate(lines) if line.id is not None}
    for n, rec in revisions:
        rid = _id(rec.get("id"))
        i = None if rid is None else by_id.get(rid)
        if i is None:
            problems.append(f"{path}:{n}: revision of an unknown utterance, skipped")
            continue
        old = lines[i]
        try:
            new = _line(
                old.index,
                {
                    **rec,
                    "speaker": old.speaker,
                    "start": old.start,
                    "end": old.end,
                    "voiced_s": old.voiced_s,
                    "id": old.id,
                    "nudge_shown": old.nudge_shown,
                },
            )
        except ValueError as exc:
            problems.append(f"{path}:{n}: revision with a missing or invalid '{exc}', skipped")
            continue
        lines[i] = replace(
            new,
            live_text=old.live_text if old.live_text is not None else old.text,
            label_before=old.label_before if old.live_text is not None else old.label,
            stance_before=old.stance_before if old.live_text is not None else old.stance,
        )
    return lines


def _summary_from_record(rec: Mapping[str, Any]) -> Summary:
    talk = rec.get("talk_time") or {}
    share = rec.get("rep_share")
    patience = rec.get("patience_s")
    labels = rec.get("labels") or {}
    return Summary(
        duration_s=_num(rec, "duration_s", 0.0),
        rep_s=_num(talk, "rep", 0.0),
        prospect_s=_num(talk, "prospect", 0.0),
        rep_share=None if share is None else _num(rec, "rep_share"),
        target_rep_share=_num(rec, "target_rep_share", CoachConfig.target_rep_share),
        target_band=_num(rec, "target_band", CoachConfig.target_band),
        longest_rep_monologue_s=_num(rec, "longest_rep_monologue_s", 0.0),
        questions=int(_num(rec, "questions", 0)),
        patience_s=None if patience is None else _num(rec, "patience_s"),
        labels={_CONTROL.sub("", str(k)): int(_num(labels, k)) for k in labels},
        one_down=int(_num(rec, "one_down", 0)),
        one_up=int(_num(rec, "one_up", 0)),
        end_reason=_CONTROL.sub("", str(rec.get("end_reason", ""))),
        unsure=int(_num(rec, "unsure", 0)),
    )


def recompute_summary(
    lines: list[Line] | tuple[Line, ...],
    moments: list[Moment] | tuple[Moment, ...],
    config: CoachConfig,
    rep_only: bool = False,
    heard_until: float = 0.0,
) -> Summary:
    """The summary a clean end would have written, rebuilt with the live call's own tracker; the
    call lasted until its last line, moment or ``heard_until`` (speech journaled as dropped)."""
    tracker = CoachingTracker(config, rep_only=rep_only)
    for line in lines:
        tracker.add(_utterance(line))
    last = max([heard_until, *(m.at for m in moments), *(line.end for line in lines)])
    summary = _summary_from_record(tracker.summary(last))
    return replace(summary, end_reason=RECOMPUTED, recomputed=True)


def _utterance(line: Line) -> Utterance:
    label = None
    if line.label and line.stance:
        label = Label(
            line.label,
            line.stance,
            line.confidence or 0.0,
            line.evidence or "",
            line.nudge or line.reinforcement,
            unsure=line.unsure,
        )
    return Utterance(line.speaker, line.start, line.end, line.text, line.voiced_s, 0.0, label)


# Talk over time ------------------------------------------------------------------------------------


def talk_by_bin(call: SavedCall, bins: int) -> list[tuple[float, float]]:
    """(rep s, prospect s) of voiced talk in each of ``bins`` equal slices of the call.

    The journal keeps each utterance's voiced seconds, not where in it the pauses
    fell, so voiced time is spread evenly over the utterance.
    """
    duration = max(call.summary.duration_s, max((x.end for x in call.lines), default=0.0))
    out = [[0.0, 0.0] for _ in range(max(1, bins))]
    if duration <= 0:
        return [(a, b) for a, b in out]
    width = duration / len(out)
    for line in call.lines:
        span = max(line.end - line.start, 1e-6)
        slot = 0 if line.speaker == "rep" else 1
        first = min(len(out) - 1, int(line.start / width))
        last = min(len(out) - 1, int(line.end / width))
        for i in range(first, last + 1):
            lo, hi = max(line.start, i * width), min(line.end, (i + 1) * width)
            if line.end - line.start <= 1e-6:
                out[i][slot] += line.voiced_s
                break
            out[i][slot] += line.voiced_s * max(0.0, hi - lo) / span
    return [(a, b) for a, b in out]


def share_by_bin(call: SavedCall, bins: int) -> list[float | None]:
    """The rep's share of talk in each slice; None where nobody spoke."""
    return [a / (a + b) if a + b > 0 else None for a, b in talk_by_bin(call, bins)]


# The sessions folder -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One row of ``oneup sessions``."""

    id: str
    path: Path
    started_at: datetime | None
    duration_s: float
    rep_share: float | None
    one_down: int
    one_up: int
    one_down_rate: float | None
    complete: bool
    """False for a journal without a summary line (the call was killed)."""


def default_sessions_dir() -> Path:
    """The sessions folder (``ONEUP_DATA_DIR`` or the platformdirs one)."""
    return data_dir()


def _sort_key(call: SavedCall) -> float:
    if call.started_at is not None:
        return call.started_at.timestamp()
    try:
        return call.path.stat().st_mtime
    except OSError:
        return 0.0


def load_folder(folder: Path) -> tuple[list[SavedCall], list[str]]:
    """Every readable journal in ``folder``, newest first, and why others were skipped."""
    if not folder.is_dir():
        raise SessionError(f"{folder}: no such folder")
    calls: list[SavedCall] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.jsonl")):
        try:
            calls.append(load_call(path))
        except SessionError as exc:
            problems.append(str(exc))
    calls.sort(key=_sort_key, reverse=True)
    return calls, problems


def info(call: SavedCall) -> SessionInfo:
    s = call.summary
    return SessionInfo(
        id=call.id,
        path=call.path,
        started_at=call.started_at,
        duration_s=s.duration_s,
        rep_share=s.rep_share,
        one_down=s.one_down,
        one_up=s.one_up,
        one_down_rate=call.one_down_rate,
        complete=not s.recomputed,
    )


def list_sessions(folder: Path) -> list[SessionInfo]:
    """Saved sessions, newest first (an absent folder simply has none)."""
    if not folder.exists():
        return []
    calls, _ = load_folder(folder)
    return [info(c) for c in calls]


def resolve(folder: Path, ref: str) -> Path:
    """A session journal by path (a ref with a folder in it: that file and no other), or by id (file
    stem) or file name in ``folder``, else a file of that name here."""
    direct = Path(ref)
    if "/" in ref or os.sep in ref:
        if direct.exists():
            return direct  # a FIFO or a device: ``load_call`` says it is not a regular file
        raise SessionError(f"{ref}: no such file")  # never the saved call of the same name
    candidate = folder / f"{direct.name.removesuffix('.jsonl')}.jsonl"
    if candidate.is_file():
        return candidate
    if direct.is_file():
        return direct
    raise SessionError(f"no session {ref!r} in {folder} (see 'oneup sessions')")


def delete_session(journal: Path) -> list[Path]:
    """Delete a call: its journal, the Markdown transcript and any kept audio beside it.
    Returns what was removed. A file that is not a call's journal (one ``load_call`` would not
    read; ``notes.jsonl`` of the user's own) is refused, and nothing beside it is touched."""
    load_call(journal)  # SessionError: not a journal, so not ours to delete
    return _remove(journal)


def _remove(journal: Path) -> list[Path]:
    """Unlink a call's journal and the files beside it; what was removed."""
    removed: list[Path] = []
    for path in (journal, *beside(journal)):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise SessionError(f"{path}: cannot delete: {exc.strerror or exc}") from None
        removed.append(path)
    return removed


def delete_all(folder: Path) -> list[Path]:
    """Delete every call in the folder (journals and their transcripts); other files, ``.jsonl``
    files that are not journals among them, stay."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for call in load_folder(folder)[0]:  # read once: each is a journal
        removed += _remove(call.path)
    return removed
