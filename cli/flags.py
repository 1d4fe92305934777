"""The CLI's tuning flags: each sets one ``core.config`` key, mapped here and nowhere else.

Every command that takes such a flag adds it from ``FLAGS`` (``add_tuning_flags``) and reads the
resolved settings with ``build_config``, so a flag means the same thing, with the same checks,
wherever it appears.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.config import Config, resolve_config


@dataclass(frozen=True)
class Flag:
    """One CLI flag that sets one config key."""

    flag: str
    key: str
    type: Callable[[str], Any]
    help: str
    choices: tuple[Any, ...] | None = None
    const: Any = None
    """For a switch (no value): the value the flag sets."""


FLAGS: tuple[Flag, ...] = (
    Flag("--model", "model.model", str, "tiny.en (bundled) or a CTranslate2 model directory"),
    Flag("--device", "model.device", str, "cpu, cuda or auto", ("cpu", "cuda", "auto")),
    Flag("--compute-type", "model.compute_type", str, "CTranslate2 compute type (int8, float32, ...)"),
    Flag("--threads", "model.threads", int, "CPU threads for the model"),
    Flag("--beam-size", "model.beam_size", int, "beam size (1 = greedy, fastest)"),
    Flag(
        "--encoder-window-s",
        "model.encoder_window_s",
        float,
        "encoder window for short utterances, 5..30 s (30 = Whisper's full window)",
    ),
    Flag(
        "--second-look-logprob",
        "model.second_look_logprob",
        float,
        "a short-window decode less sure than this is decoded again at 30 s (-5..0)",
    ),
    Flag(
        "--second-look-margin",
        "model.second_look_margin",
        float,
        "...and more than this under its channel's recent median (0 = the bar alone)",
    ),
    Flag(
        "--interim-window-s",
        "model.interim_window_s",
        float,
        "encoder window of interim text decodes, 5..30 s (see --partial-interval-s)",
    ),
    Flag("--vad-aggressiveness", "vad.aggressiveness", int, "webrtcvad mode 0-3", (0, 1, 2, 3)),
    Flag("--end-silence-ms", "vad.end_silence_ms", int, "silence that ends an utterance (ms)"),
    Flag("--max-utterance-s", "vad.max_utterance_s", float, "split utterances longer than this (s)"),
    Flag("--partial-interval-s", "vad.partial_interval_s", float, "interim rep text every N s (0 = off)"),
    Flag(
        "--phrase-pause-ms", "vad.phrase_pause_ms", int, "pause that cuts a sentence mid-speech (ms, 0 = off)"
    ),
    Flag("--soft-cut-s", "vad.soft_cut_s", float, "cut speech with no pause after N s (0 = off)"),
    Flag("--peek-s", "vad.peek_s", float, "confirm a held sentence N s into the next words (0 = off)"),
    Flag(
        "--prospect-phrases",
        "vad.prospect_phrases",
        bool,
        "sentence lines for the other party too, while they go on (more decodes)",
        const=True,
    ),
    Flag("--no-refine", "refine.enabled", bool, "keep the live text: no refine pass", const=False),
    Flag("--refine-model", "refine.model", str, "a larger model for the refine pass only"),
    Flag("--rules", "detector.rules", str, "user rules file (TOML) for the One-Down detector"),
    Flag(
        "--min-confidence",
        "detector.min_confidence",
        float,
        "confidence a One-Down/One-Up verdict needs to be shown (default: calibrated)",
    ),
)
"""The single mapping from flags to config keys (see core/config.py for defaults and meaning)."""


def build_config(args: argparse.Namespace) -> Config:
    """Defaults < config file < environment < flags."""
    flags = {f.key: getattr(args, dest(f)) for f in FLAGS if getattr(args, dest(f), None) is not None}
    return resolve_config(flags)


def dest(f: Flag) -> str:
    """The argparse attribute a flag is stored in."""
    return f.flag.lstrip("-").replace("-", "_")


def add_tuning_flags(
    p: argparse.ArgumentParser,
    keys: Sequence[str] | None = None,
    title: str = "tuning (override the config file; defaults in README)",
) -> None:
    """Add the flags of ``keys`` (default: all of ``FLAGS``) to ``p``, in one group."""
    g = p.add_argument_group(title)
    for f in FLAGS:
        if keys is not None and f.key not in keys:
            continue
        if f.const is not None:
            g.add_argument(
                f.flag, dest=dest(f), action="store_const", const=f.const, help=f.help, default=None
            )
        else:
            g.add_argument(f.flag, dest=dest(f), type=f.type, choices=f.choices, help=f.help, default=None)
