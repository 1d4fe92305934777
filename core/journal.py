"""The session journal: the call's record, written as it happens.

One JSON object per line, flushed per event, so a killed process leaves every
finalized utterance on disk and at most one cut last line (readers skip it).
Files are created 0600 in 0700 directories and never overwritten unless asked.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.events import Label, Mark, Utterance
from core.paths import not_regular

JOURNAL_VERSION = 2
"""2: utterance lines carry ``unsure``, ``guess``, ``part`` and ``like`` (version 1 files read the same)."""


class JournalError(Exception):
    """The journal cannot be created or written; one line for the user."""


def markdown_path(journal: Path) -> Path:
    """The annotated transcript written beside the journal at the end of a call."""
    return journal.with_suffix(".md")


def audio_path(journal: Path, speaker: str) -> Path:
    """One channel of the call's audio, kept beside the journal with ``--keep-audio``."""
    return journal.with_suffix(f".{speaker}.wav")


def beside(journal: Path, *, audio: Sequence[str] = ("rep", "prospect")) -> tuple[Path, ...]:
    """The files a session writes next to its journal: the transcript, and the WAVs of the speakers
    in ``audio`` (``--keep-audio``; a rep-only call keeps one)."""
    return (markdown_path(journal), *(audio_path(journal, s) for s in audio))


def _numbered(path: Path) -> Iterator[Path]:
    """``path``, then ``stem-2``, ``stem-3`` ... with the same suffix."""
    yield path
    n = 2
    while True:
        yield path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1


def default_journal_path(data_dir: Path, now: datetime | None = None) -> Path:
    """A new file name in the sessions folder: 2026-11-28_14-03-22.jsonl (+ -2, -3 ... when taken,
    by a journal or by a file beside one). Two calls started in the same second may still pick the
    same name: ``JournalWriter(unique=True)`` moves on to the next when it finds it taken."""
    now = now or datetime.now()
    first = data_dir / f"{now.strftime('%Y-%m-%d_%H-%M-%S')}.jsonl"
    return next(p for p in _numbered(first) if not any(q.exists() for q in (p, *beside(p))))


def ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def open_private(path: Path, *, exclusive: bool = False) -> int:
    """Open ``path`` for writing, readable by the user alone (0600 even if an older file was wider);
    ``exclusive``: fail with FileExistsError rather than overwrite. Returns the file descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    if not_regular(path):  # /dev/null, a FIFO: never truncated nor chmod'ed
        raise OSError(errno.EINVAL, "not a regular file")
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_whole(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` (0600) whole or not at all: into a new file beside it, then moved into
    place, so a full disk leaves no cut-off file and an older one survives a write that fails. A
    symbolic link is written through (its target is replaced). ``exclusive``: FileExistsError rather
    than replace an existing file."""
    path = Path(os.path.realpath(path))
    if not_regular(path):
        raise OSError(errno.EINVAL, "not a regular file")
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".oneup-", suffix=".tmp")  # 0600, a short name
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:  # line ends as given (CRLF stays)
            fh.write(text)
        if not exclusive:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # never over a file another made meanwhile
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
                raise
            # No hard links here (FAT, some network shares): claim the name, then move over it.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


LABEL_FIELDS = (
    "label",
    "stance",
    "confidence",
    "evidence",
    "nudge",
    "reinforcement",
    "unsure",
    "guess",
    "part",
    "like",
)
"""The detector's fields of an utterance line (all null for the prospect)."""


def label_record(lab: Label | None) -> dict[str, Any]:
    """A verdict as the journal and ``oneup classify`` write it: the presented label, stance and
    nudge (the nudge only for a One-Down verdict, the praise as ``reinforcement``), plus ``unsure``
    and the ``guess`` behind it, the deciding ``part`` of a long turn, and ``like`` (an example it
    resembles, never quoted as the rep's words)."""
    if lab is None:
        return dict.fromkeys(LABEL_FIELDS)
    return {
        "label": lab.label,
        "stance": lab.stance,
        "confidence": round(lab.confidence, 3),
        "evidence": lab.evidence,
        "nudge": lab.nudge if lab.stance == "one-down" else None,
        "reinforcement": lab.nudge if lab.stance == "one-up" else None,
        "unsure": lab.unsure,
        "guess": {"label": lab.guess.label, "confidence": round(lab.guess.confidence, 3)}
        if lab.guess
        else None,
        "part": lab.part,
        "like": lab.like,
    }


def utterance_record(u: Utterance) -> dict[str, Any]:
    return {
        "type": "utterance",
        "id": u.id,
        "speaker": u.speaker,
        "start": round(u.start, 3),
        "end": round(u.end, 3),
        "text": u.text,
        **label_record(u.label),
        "nudge_shown": u.nudge_shown if u.label else None,
        "guard": u.guard,
        "dropped_text": u.dropped_text,
        "voiced_s": round(u.voiced_s, 3),
        "latency_s": round(u.latency_s, 3),
        "emitted_at": round(u.emitted_at, 3),
    }


class JournalWriter:
    """Appends records to the journal; safe to call from several threads.

    Nothing is overwritten unless ``force``: neither the journal nor the files the session writes
    beside it (``beside``: the transcript, and the kept WAVs of the speakers in ``audio``).
    ``unique``: the path is a default name, so when it is taken (another call started in the same
    second) the next free ``-2``, ``-3`` ... is used instead of failing (``force`` never replaces
    another call's file there); ``path`` is the one written."""

    def __init__(
        self, path: Path, force: bool = False, *, audio: Sequence[str] = (), unique: bool = False
    ) -> None:
        if any(str(q).casefold() == str(path).casefold() for q in beside(path)):  # call.MD on macOS
            raise JournalError(
                f"{path}: the transcript is written beside the journal as {markdown_path(path).name}: "
                "give the journal another name (e.g. .jsonl)"
            )
        try:
            ensure_private_dir(path.parent)
        except OSError as exc:
            raise JournalError(f"{path}: cannot write journal: {exc.strerror or exc}") from None
        overwrite = force and not unique
        for candidate in _numbered(path) if unique else (path,):
            taken = next((q for q in beside(candidate, audio=audio) if q.exists()), None)
            try:
                if taken is not None and not overwrite:
                    raise FileExistsError
                fd = open_private(candidate, exclusive=not overwrite)
            except FileExistsError:
                if unique:
                    continue
                raise JournalError(f"{taken or path}: already exists (use --force to overwrite)") from None
            except OSError as exc:
                raise JournalError(f"{candidate}: cannot write journal: {exc.strerror or exc}") from None
            break
        self.path = candidate
        # A file name in no encoding (bytes the file system allows) is written as backslash escapes.
        self._file = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
        self._lock = threading.Lock()
        self.closed = False
        self.failed: str | None = None
        """Why a write failed (the disk is full ...): later records are dropped, what is on disk stays."""

    def write(self, record: dict[str, Any]) -> None:
        """Append one record and flush it. The first failure raises ``JournalError`` (one line for the
        user); the session then ends, and its last records (the summary) are dropped quietly."""
        line = json.dumps(record, ensure_ascii=False, separators=(", ", ": "))
        with self._lock:
            if self.closed or self.failed is not None:
                return
            try:
                self._file.write(line + "\n")
                self._file.flush()
            except OSError as exc:
                raise self._failure(exc) from None

    def session(self, *, model: str, config: dict[str, Any], source: str, **extra: Any) -> None:
        self.write(
            {
                "type": "session",
                "version": JOURNAL_VERSION,
                "started_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
                "model": model,
                "config": config,
                "source": source,
                **extra,
            }
        )

    def utterance(self, u: Utterance) -> None:
        self.write(utterance_record(u))

    def mark(self, m: Mark) -> None:
        self.write({"type": "mark", "at": round(m.at, 3), "note": m.note})

    def revision(self, uid: int, text: str, label: Label | None) -> None:
        """The refine pass heard utterance ``uid`` differently: its new text and verdict. Appended,
        never rewritten: readers take the latest revision of each utterance."""
        self.write({"type": "revision", "id": uid, "text": text, **label_record(label)})

    def dropped(self, speaker: str, start: float, end: float, voiced_s: float, reason: str) -> None:
        """Speech the VAD found but that produced no text: recorded, so no sentence vanishes silently."""
        self.write(
            {
                "type": "dropped",
                "speaker": speaker,
                "start": round(start, 3),
                "end": round(end, 3),
                "voiced_s": round(voiced_s, 3),
                "reason": reason,
            }
        )

    def paused(self, paused: bool, at: float) -> None:
        self.write({"type": "pause" if paused else "resume", "at": round(at, 3)})

    def advisory(self, at: float, message: str) -> None:
        self.write({"type": "advisory", "at": round(at, 3), "message": message})

    def summary(self, figures: dict[str, Any], *, end_reason: str) -> None:
        """The last line of a finished call; readers recompute it when a killed call has none."""
        self.write({**figures, "type": "summary", "end_reason": end_reason})

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                self._file.close()
            except OSError as exc:  # the record a failed write left in the buffer, or a full disk now
                if self.failed is None:
                    raise self._failure(exc) from None

    def _failure(self, exc: OSError) -> JournalError:
        """The first failed write (or close): remembered, so later records are dropped quietly."""
        self.failed = f"{self.path}: cannot write the journal: {exc.strerror or exc}"
        return JournalError(self.failed)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a journal holds")


def iter_journal(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, record or None, why it was skipped) for every non-blank line.

    A cut last line (killed process) or garbage is reported, never fatal.
    """
    try:
        fh = path.open(encoding="utf-8-sig", errors="replace")  # -sig: an editor's BOM is not a line
    except FileNotFoundError:
        raise JournalError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise JournalError(f"{path}: is a folder, not a session journal") from None
    except OSError as exc:
        raise JournalError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw, parse_constant=_no_constant)
                if "\\u" in raw:  # escapes may spell a lone surrogate, which no file or terminal takes
                    rec = json.loads(json.dumps(rec, ensure_ascii=False).encode("utf-8", "replace"))
            except (ValueError, RecursionError):  # JSONDecodeError, NaN or Infinity, nesting
                yield n, None, "malformed line skipped"
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
                yield n, None, "not a journal record, skipped"
                continue
            yield n, rec, ""


def read_journal(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Read a journal, skipping (and reporting) malformed lines such as a cut last line."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, rec, why in iter_journal(path):
        if rec is None:
            problems.append(f"{path}:{n}: {why}")
        else:
            records.append(rec)
    return records, problems
