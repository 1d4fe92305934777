"""``oneup classify``: label utterances from stdin or --text, one JSON object per line.

Meant for scripting and for trying a rules file before a call, so errors in
the rules file are one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from classifiers import load_classifier
from classifiers.base import Context
from classifiers.rules import RulesError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oneup classify",
        description="Label rep utterances (one per line on stdin, or --text) as One-Down / One-Up.",
    )
    parser.add_argument("--text", action="append", default=[], help="an utterance to label (repeatable)")
    parser.add_argument("--rules", metavar="FILE", help="a user rules file (TOML), see rules.example.toml")
    parser.add_argument("--minute", type=float, default=10.0, help="call time in minutes for every line")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 2 usage or rules-file error)."""
    args = _parser().parse_args(argv)
    try:
        detector = load_classifier(args.rules)
    except RulesError as err:
        print(f"oneup classify: {err}", file=sys.stderr)
        return 2
    lines: Iterable[str] = args.text if args.text else sys.stdin
    context = Context(call_time=args.minute * 60.0)
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        label = detector.classify(text, context)
        record = {
            "text": text,
            "label": label.label,
            "stance": label.stance,
            "confidence": label.confidence,
            "evidence": label.evidence,
            "nudge": label.nudge,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
