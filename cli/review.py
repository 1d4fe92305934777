"""``oneup review``, ``oneup report`` and ``oneup sessions``: after the call.

``register(sub)`` adds the three commands to the main parser's subparsers.
Bad input raises ``SessionError`` (a ``JournalError``), which the CLI prints as
one line with exit code 2. Textual is imported only inside ``review``, and the
detector only for ``--reclassify``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from calls.replay import load_replay, replay_lines
from calls.store import (
    SavedCall,
    SessionError,
    SessionInfo,
    default_sessions_dir,
    delete_all,
    delete_session,
    list_sessions,
    load_call,
    load_folder,
    resolve,
)
from cli.flags import add_tuning_flags, build_config
from cli.output import out_path, printable, say, warn

# Commands -----------------------------------------------------------------------------------------


def _warn(problems: Iterable[str]) -> None:
    for p in problems:
        warn(p)


def _folder(args: argparse.Namespace) -> Path:
    return Path(args.dir) if getattr(args, "dir", None) else default_sessions_dir()


def _open_call(ref: str | None, folder: Path) -> SavedCall:
    """A call by path or session id; without one, the newest saved call."""
    if ref is None:
        sessions = list_sessions(folder)
        if not sessions:
            raise SessionError(f"no saved sessions in {folder}")
        path = sessions[0].path
    elif Path(ref).is_dir():
        raise SessionError(f"{ref}: is a folder; review opens one call (a .jsonl file or a session id)")
    else:
        path = resolve(folder, ref)
    call = load_call(path)
    _warn(call.problems)
    return call


def cmd_review(args: argparse.Namespace) -> int:
    if args.print and not args.reclassify:
        raise SessionError("--print needs --reclassify (it prints what the detector would change)")
    if (args.rules or args.min_confidence is not None) and not args.reclassify:
        raise SessionError("--rules and --min-confidence need --reclassify")
    call = _open_call(args.session, _folder(args))
    result = load_replay(call, build_config(args).detector) if args.reclassify else None
    if args.print and result is not None:
        print("\n".join(replay_lines(result)))
        return 0
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise SessionError(
            "review is a full-screen view and needs a terminal "
            "(for text: oneup report, or --reclassify --print)"
        )
    from tui.review.app import ReviewApp

    app = ReviewApp(call, result)
    app.run()
    return app.return_code or 0  # 1 after a crash in the view (Textual has printed the traceback)


def cmd_report(args: argparse.Namespace) -> int:
    from calls.report import render_call, render_trends, write_private

    folder = _folder(args)
    target = Path(args.session)
    if target.is_dir():
        calls, skipped = load_folder(target)
        _warn(skipped)
        if not calls:
            raise SessionError(f"{target}: no readable session journals (*.jsonl)")
        text = render_trends(target, calls, args.format)
        sources = [c.path for c in calls]
    else:
        call = _open_call(args.session, folder)
        text = render_call(call, args.format)
        sources = [call.path]
    if args.out is not None:
        try:
            out = out_path(args.out, "report", "for stdout", f"report.{args.format}")
        except ValueError as exc:
            raise SessionError(str(exc)) from None
        write_private(out, text, force=args.force, sources=sources)
        say(f"oneup: report written to {printable(str(out))}", sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _pct(x: float | None) -> str:
    return "  -" if x is None else f"{x * 100:3.0f}%"


def format_sessions(rows: Sequence[SessionInfo]) -> list[str]:
    from core.fmt import clock

    out = [f"{'id':<22} {'date':<16} {'length':>6} {'talk':>5} {'One-Down':>8} {'One-Up':>6}"]
    for r in rows:
        date = r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "?"
        cut = "" if r.complete else "  (cut: summary recomputed)"
        out.append(
            f"{printable(r.id):<22} {date:<16} {clock(r.duration_s):>6} {_pct(r.rep_share):>5} "
            f"{r.one_down:>8} {r.one_up:>6}{cut}"
        )
    return out


def cmd_sessions(args: argparse.Namespace) -> int:
    folder = _folder(args)
    if args.delete:
        removed = delete_session(resolve(folder, args.delete))
        print("deleted " + ", ".join(printable(str(p)) for p in removed))
        return 0
    if args.delete_all:
        count = len(list_sessions(folder)) if folder.is_dir() else 0
        shown = printable(str(folder))
        if count and not args.yes:
            if not sys.stdin.isatty():
                raise SessionError("--delete-all removes every saved call: add --yes to confirm")
            answer = input(f"Delete all {count} saved calls in {shown}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 0
        removed = delete_all(folder)
        print(f"deleted {sum(p.suffix == '.jsonl' for p in removed)} calls from {shown}")
        return 0
    rows = list_sessions(folder)
    if not rows:
        print(f"no saved sessions in {printable(str(folder))}")
        return 0
    print("\n".join(format_sessions(rows)))
    where = printable(str(folder))
    print(f"\n{len(rows)} sessions in {where} · oneup review ID · oneup report ID --format html")
    return 0


# Parser -------------------------------------------------------------------------------------------


def _dir_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", help="sessions folder (default: ONEUP_DATA_DIR or the user data folder)")


def register(sub: Any) -> None:
    """Add ``review``, ``report`` and ``sessions`` to the CLI's subparsers."""
    rv = sub.add_parser("review", help="read a saved call: transcript, labels, nudges, summary, timeline")
    rv.add_argument("session", nargs="?", help="journal (.jsonl) or session id (default: the newest call)")
    rv.add_argument("--reclassify", action="store_true", help="run the detector again and show what changed")
    add_tuning_flags(
        rv, ("detector.rules", "detector.min_confidence"), "with --reclassify (override the config file)"
    )
    rv.add_argument("--print", action="store_true", help="with --reclassify: print the changes, no UI")
    _dir_flag(rv)
    rv.set_defaults(func=cmd_review)

    rp = sub.add_parser("report", help="a call scorecard, or trends across a folder of calls")
    rp.add_argument("session", help="journal (.jsonl), session id, or a folder of journals (trends)")
    rp.add_argument("--format", choices=("md", "html", "json"), default="md", help="default: md")
    rp.add_argument("--out", help="write to this file (0600) instead of stdout")
    rp.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    _dir_flag(rp)
    rp.set_defaults(func=cmd_report)

    ss = sub.add_parser("sessions", help="list saved calls, newest first, or delete them")
    g = ss.add_mutually_exclusive_group()
    g.add_argument("--delete", metavar="ID", help="delete one call (.jsonl, .md, --keep-audio .wav)")
    g.add_argument("--delete-all", action="store_true", help="delete every saved call")
    ss.add_argument("--yes", action="store_true", help="with --delete-all: don't ask")
    _dir_flag(ss)
    ss.set_defaults(func=cmd_sessions)
