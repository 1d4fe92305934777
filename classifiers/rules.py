"""Loading the user's rules file (TOML): extra cue phrases, examples and nudges, or new labels.

A rep or manager extends the detector without code. Mistakes must surface as
one readable line (file, line number or offending key), never a traceback, so
everything wrong is raised as ``RulesError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifiers.nudges import MAX_NUDGE_CHARS
from classifiers.text import cue_words
from core import tomlfile
from core.events import Stance
from core.paths import not_regular
from core.taxonomy import STANCES

_STANCES: tuple[Stance, ...] = ("one-down", "one-up", "neutral")
_LABEL_KEYS = ("cues", "examples", "nudges", "stance")
_SETTINGS_KEYS = ("example_similarity",)
_TOP_KEYS = ("labels", "settings")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LINE = re.compile(r"line (\d+)")
DEFAULT_EXAMPLE_SIMILARITY = 0.8


class RulesError(ValueError):
    """A rules file that cannot be used; ``str()`` is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class UserLabel:
    """One ``[labels.NAME]`` table: a built-in label extended, or a new label (a tracker)."""

    name: str
    stance: Stance
    cues: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    nudges: tuple[str, ...] = ()

    @property
    def is_custom(self) -> bool:
        return self.name not in STANCES


@dataclass(frozen=True, slots=True)
class UserRules:
    """Everything a rules file says; empty rules change nothing."""

    labels: tuple[UserLabel, ...] = ()
    example_similarity: float = DEFAULT_EXAMPLE_SIMILARITY
    """Cosine similarity at which a user example sentence overrides the model."""
    source: str = ""


def load_rules(path: str | Path) -> UserRules:
    """Read and validate a rules file; raise ``RulesError`` with a one-line reason."""
    file = Path(path).expanduser()
    if not_regular(file):  # a FIFO or /dev/zero would be read forever
        raise RulesError(f"{file}: cannot read rules file (not a regular file)")
    try:
        raw = file.read_bytes()
    except OSError as err:
        raise RulesError(f"{file}: cannot read rules file ({err.strerror or err})") from err
    return parse_rules(raw, str(file))


def parse_rules(raw: bytes | str, source: str = "<rules>") -> UserRules:
    """Validate TOML text; ``source`` names the file in error messages."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    try:
        data = tomlfile.loads(text)
    except tomlfile.TOMLDecodeError as err:
        message = str(err).splitlines()[0]
        line = _LINE.search(message)
        if line:
            where = f"line {line.group(1)}: "
        else:  # "at end of document": something left open; point at the last line
            where = f"line {max(len(text.splitlines()), 1)} (end of file): "
        raise RulesError(f"{source}: {where}invalid TOML: {message}") from err
    _only_keys(data, _TOP_KEYS, "", source)
    settings = _table(data.get("settings", {}), "settings", source)
    _only_keys(settings, _SETTINGS_KEYS, "settings.", source)
    similarity = settings.get("example_similarity", DEFAULT_EXAMPLE_SIMILARITY)
    if isinstance(similarity, bool) or not isinstance(similarity, int | float) or not 0.0 < similarity <= 1.0:
        raise RulesError(f"{source}: settings.example_similarity must be a number in (0, 1]")
    labels = _table(data.get("labels", {}), "labels", source)
    parsed = tuple(_label(name, body, source) for name, body in labels.items())
    _no_shared_phrases(parsed, source)
    return UserRules(labels=parsed, example_similarity=float(similarity), source=source)


def _no_shared_phrases(labels: tuple[UserLabel, ...], source: str) -> None:
    """A cue (or an example) given to two labels would go to whichever comes first in the file, with
    no sign of the other: refused, naming both (compared as they are matched: normalized)."""
    for field in ("cues", "examples"):
        owner: dict[str, str] = {}
        for label in labels:
            for phrase in getattr(label, field):
                key = " ".join(cue_words(phrase))
                first = owner.setdefault(key, label.name)
                if first != label.name:
                    raise RulesError(
                        f"{source}: labels.{label.name}.{field}: {phrase!r} is also one of"
                        f" labels.{first}.{field}: give it to one label"
                    )


def _label(name: str, body: Any, source: str) -> UserLabel:
    key = f"labels.{name}"
    if not _NAME.match(name):
        raise RulesError(f"{source}: {key}: label names are lower_snake_case (letters, digits, _)")
    table = _table(body, key, source)
    _only_keys(table, _LABEL_KEYS, f"{key}.", source)
    builtin = STANCES.get(name)
    stance = table.get("stance", builtin)
    if stance is None:
        raise RulesError(f"{source}: {key}.stance is required for a new label (one of {', '.join(_STANCES)})")
    if stance not in _STANCES:
        raise RulesError(f"{source}: {key}.stance must be one of {', '.join(_STANCES)}, not {stance!r}")
    if builtin is not None and stance != builtin:
        raise RulesError(f"{source}: {key}.stance cannot change a built-in label's stance ({builtin})")
    cues = _strings(table, "cues", key, source)
    examples = _strings(table, "examples", key, source)
    nudges = _strings(table, "nudges", key, source)
    for index, nudge in enumerate(nudges):
        if len(nudge) > MAX_NUDGE_CHARS:
            raise RulesError(
                f"{source}: {key}.nudges[{index}] is {len(nudge)} characters;"
                f" keep nudges to {MAX_NUDGE_CHARS}"
            )
    if nudges and stance == "neutral":  # journal, classify and the UI carry a nudge for One-Down only
        raise RulesError(
            f"{source}: {key}.nudges: a neutral label shows no nudge (nudges are for one-down labels,"
            " and one-up labels' praise)"
        )
    if builtin is None and not (cues or examples):
        raise RulesError(f"{source}: {key} needs cues or examples, or it can never fire")
    return UserLabel(name=name, stance=stance, cues=cues, examples=examples, nudges=nudges)


def _table(value: Any, key: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RulesError(f"{source}: {key} must be a table ([{key}])")
    return value


def _only_keys(table: dict[str, Any], allowed: tuple[str, ...], prefix: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            raise RulesError(f"{source}: unknown key {prefix}{key!s} (expected one of: {', '.join(allowed)})")


def _strings(table: dict[str, Any], field: str, key: str, source: str) -> tuple[str, ...]:
    value = table.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RulesError(f"{source}: {key}.{field} must be a list of strings")
    cleaned = tuple(item.strip() for item in value)
    if any(not item for item in cleaned):
        raise RulesError(f"{source}: {key}.{field} has an empty string")
    wordless = next((item for item in cleaned if not re.search(r"\w", item)), None)
    if wordless is not None:  # a cue matches at word boundaries: "!!!" never would
        raise RulesError(f"{source}: {key}.{field}: {wordless!r} has no word in it, so it can never match")
    filler = next((c for c in cleaned if not cue_words(c)), None) if field == "cues" else None
    if filler is not None:  # cues match normalised text, which has no fillers
        raise RulesError(
            f"{source}: {key}.cues: {filler!r} is only filler sounds, which are taken out of what"
            " was said before cues are matched, so it can never match"
        )
    return cleaned
