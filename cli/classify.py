"""``oneup classify``: label utterances from stdin or --text, one JSON object per line.

Meant for scripting and for trying a rules file before a call; errors in the
rules file are one line on stderr and exit status 2 (``cli.main`` reports them).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterable
from typing import Any

from classifiers import load_classifier
from classifiers.base import Context
from cli.flags import add_tuning_flags, build_config
from core.journal import label_record


def _minute(text: str) -> float:
    """A call minute: a finite number >= 0 (argparse reports the error as one line)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (0.0 <= value < 24 * 60):
        raise argparse.ArgumentTypeError(f"a call minute from 0 (not {text!r})")
    return value


def register(sub: Any) -> None:
    """Add ``classify`` to the main parser's subcommands."""
    c = sub.add_parser(
        "classify",
        help="label utterances (stdin lines or --text) as JSON lines",
        description="Label rep utterances (one per line on stdin, or --text) as One-Down / One-Up.",
    )
    c.add_argument("--text", action="append", default=[], help="an utterance to label (repeatable)")
    c.add_argument(
        "--minute", type=_minute, default=10.0, help="call time in minutes for every line (default: 10)"
    )
    add_tuning_flags(c, ("detector.rules", "detector.min_confidence"), "detector (override the config file)")
    c.set_defaults(func=cmd_classify)


def cmd_classify(args: argparse.Namespace) -> int:
    """Label each line; a bad rules file raises ``RulesError`` (one line, exit 2, from the CLI)."""
    settings = build_config(args).detector
    detector = load_classifier(settings.rules, settings.min_confidence)
    # stdin in any locale: bytes that are no UTF-8 are replaced, not a traceback
    # utf-8-sig: a byte order mark (an editor's, a Windows pipe's) is not part of the first line
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape")
    lines: Iterable[str] = args.text if args.text else stdin
    context = Context(call_time=args.minute * 60.0)
    for raw in lines:
        # Bytes that are no UTF-8 (an argument or a line in another encoding) arrive as lone
        # surrogates; printed back, they would make the JSON line invalid UTF-8. Shown as U+FFFD.
        text = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip()
        if not text:
            continue
        label = detector.classify(text, context)
        record = {"text": text, **label_record(label)}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0
