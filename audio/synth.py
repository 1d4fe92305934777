"""Synthesize two-party sales calls with known ground truth.

Tests, benchmarks and the demo builder need calls where we know exactly who said what
and when. espeak-ng gives deterministic, distinct voices offline; we trim its silence so
the placed turn times are the voiced audio, sample-exact, at the pipeline's 16 kHz.

CLI::

    python -m audio.synth OUT.wav --turns turns.json

writes a stereo WAV (ch0 rep, ch1 prospect) and OUT.json with the placed turns.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, cast

import numpy as np

SAMPLE_RATE = 16_000
REP_VOICE = "en-us+m3"
PROSPECT_VOICE = "en-us+f2"
DEFAULT_WPM = 160
MIN_GAP_S = 0.2
BLEED_DELAY_S = 0.030
# Samples quieter than this (int16) count as espeak's leading/trailing silence.
_TRIM_THRESHOLD = 100

Speaker = Literal["rep", "prospect"]
SPEAKERS: tuple[Speaker, ...] = ("rep", "prospect")


@dataclass(frozen=True)
class Turn:
    """One scripted utterance.

    ``gap_before_s`` is the silence between the end of the previous turn and the start of
    this one. Overlap is not supported: gaps must be >= 0.2 s so each turn is cleanly
    separable for ground truth. The first turn's gap is ignored; ``lead_in_s`` is used.
    ``label`` is the optional expected One-Down/One-Up label (rep turns), carried through
    to the placed turns so benchmarks can score a classifier.
    """

    speaker: Speaker
    text: str
    gap_before_s: float = 0.6
    label: str | None = None

    def __post_init__(self) -> None:
        if self.speaker not in SPEAKERS:
            raise ValueError(f"speaker must be one of {SPEAKERS}, got {self.speaker!r}")
        if not self.text.strip():
            raise ValueError("turn text is empty")
        if self.gap_before_s < MIN_GAP_S:
            raise ValueError(f"gap_before_s must be >= {MIN_GAP_S} s, got {self.gap_before_s}")


@dataclass(frozen=True)
class PlacedTurn:
    """A turn as it lies in the synthesized audio: start/end of the voiced samples."""

    speaker: Speaker
    text: str
    start_s: float
    end_s: float
    label: str | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class SynthCall:
    """Both channels of a synthesized call plus where every turn lies in them."""

    rep: np.ndarray
    prospect: np.ndarray
    turns: tuple[PlacedTurn, ...]
    duration_s: float
    sample_rate: int = SAMPLE_RATE

    def stereo(self) -> np.ndarray:
        """(n, 2) int16, ch0 = rep, ch1 = prospect: the layout the capture side uses."""
        return np.stack([self.rep, self.prospect], axis=1)

    def write_wav(self, path: str | Path, stereo: bool = True) -> None:
        """16-bit PCM WAV; ``stereo=False`` writes a mono mixdown (one shared mic)."""
        if stereo:
            _write_wav(path, self.stereo(), self.sample_rate)
        else:
            mixed = self.rep.astype(np.int32) + self.prospect.astype(np.int32)
            _write_wav(path, np.clip(mixed, -32768, 32767).astype(np.int16), self.sample_rate)

    def write_channels(self, rep_path: str | Path, prospect_path: str | Path) -> None:
        """One mono WAV per side, as two separate capture devices would record."""
        _write_wav(rep_path, self.rep, self.sample_rate)
        _write_wav(prospect_path, self.prospect, self.sample_rate)

    def talk_time(self) -> dict[str, float]:
        """Seconds of voiced speech per speaker (the ground truth for talk ratios)."""
        totals: dict[str, float] = dict.fromkeys(SPEAKERS, 0.0)
        for t in self.turns:
            totals[t.speaker] += t.duration_s
        return totals

    def truth(self) -> dict[str, object]:
        """JSON-ready description of the call (sidecar / truth files)."""
        return {
            "sample_rate": self.sample_rate,
            "duration_s": round(self.duration_s, 3),
            "channels": ["rep", "prospect"],
            "talk_time": {k: round(v, 3) for k, v in self.talk_time().items()},
            "turns": [
                {**asdict(t), "start_s": round(t.start_s, 3), "end_s": round(t.end_s, 3)} for t in self.turns
            ],
        }


def _write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV as int16, shape (n,) for mono or (n, ch)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        ch, sr = w.getnchannels(), w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)
    return (data if ch == 1 else data.reshape(-1, ch)), sr


def trim_silence(samples: np.ndarray, threshold: int = _TRIM_THRESHOLD) -> np.ndarray:
    """Drop leading/trailing near-silence so a turn's placed span is its voiced audio."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


_CACHE: dict[tuple[str, str, int], np.ndarray] = {}


def synthesize_turn(text: str, voice: str = REP_VOICE, wpm: int = DEFAULT_WPM) -> np.ndarray:
    """Speak ``text`` with espeak-ng: 16 kHz mono int16, silence trimmed.

    Cached by (text, voice, wpm) because scripts repeat lines and tests rebuild calls;
    the returned array is read-only and shared, copy it before mutating.
    """
    key = (text, voice, int(wpm))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (Debian: apt-get install {tool})")
    with tempfile.TemporaryDirectory(prefix="oneup-synth-") as tmp:
        raw, out = Path(tmp, "raw.wav"), Path(tmp, "16k.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(int(wpm)), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        # -R: repeatable. sox dithers when it cuts the bit depth, from a random seed by default, so
        # the same line came out a few samples different on each run (and trimmed to another length).
        subprocess.run(
            ["sox", "-R", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)],
            check=True,
            capture_output=True,
        )
        samples, sr = read_wav(out)
    if sr != SAMPLE_RATE or samples.ndim != 1:
        raise RuntimeError(f"sox produced {sr} Hz, {samples.ndim}-D audio")
    voiced = trim_silence(samples).copy()
    if voiced.size == 0:
        raise RuntimeError(f"espeak-ng produced no audible speech for {text!r}")
    voiced.setflags(write=False)
    _CACHE[key] = voiced
    return voiced


def synthesize_call(
    turns: Sequence[Turn],
    *,
    rep_voice: str = REP_VOICE,
    prospect_voice: str = PROSPECT_VOICE,
    wpm: int = DEFAULT_WPM,
    lead_in_s: float = 0.5,
    tail_s: float = 1.0,
    bleed_db: float | None = None,
) -> SynthCall:
    """Lay the turns out back to back on two channels with exact timings.

    ``bleed_db``: if set, the prospect channel is also mixed into the rep channel,
    attenuated by that many dB and delayed 30 ms, like a laptop speaker leaking into the
    rep's mic (echo tests). The placed turns are unaffected: they describe who spoke.
    """
    if not turns:
        raise ValueError("no turns")
    voices = {"rep": rep_voice, "prospect": prospect_voice}
    clips: list[np.ndarray] = []
    placed_at: list[int] = []
    cursor = round(lead_in_s * SAMPLE_RATE)
    for i, turn in enumerate(turns):
        if i:
            cursor += round(turn.gap_before_s * SAMPLE_RATE)
        clip = synthesize_turn(turn.text, voices[turn.speaker], wpm)
        clips.append(clip)
        placed_at.append(cursor)
        cursor += clip.size
    n = cursor + round(tail_s * SAMPLE_RATE)
    channels = {s: np.zeros(n, dtype=np.int16) for s in SPEAKERS}
    placed: list[PlacedTurn] = []
    for turn, clip, start in zip(turns, clips, placed_at, strict=True):
        channels[turn.speaker][start : start + clip.size] = clip
        placed.append(
            PlacedTurn(
                speaker=turn.speaker,
                text=turn.text,
                start_s=start / SAMPLE_RATE,
                end_s=(start + clip.size) / SAMPLE_RATE,
                label=turn.label,
            )
        )
    rep = channels["rep"]
    if bleed_db is not None:
        rep = add_bleed(rep, channels["prospect"], bleed_db)
    return SynthCall(
        rep=rep,
        prospect=channels["prospect"],
        turns=tuple(placed),
        duration_s=n / SAMPLE_RATE,
    )


def add_bleed(
    target: np.ndarray, source: np.ndarray, atten_db: float, delay_s: float = BLEED_DELAY_S
) -> np.ndarray:
    """``target`` plus ``source`` attenuated by ``atten_db`` and delayed (speaker echo)."""
    delay = round(delay_s * SAMPLE_RATE)
    gain = 10.0 ** (-atten_db / 20.0)
    echo = np.zeros(target.size, dtype=np.float64)
    echo[delay:] = source[: max(target.size - delay, 0)].astype(np.float64) * gain
    mixed = target.astype(np.float64) + echo
    return np.clip(np.round(mixed), -32768, 32767).astype(np.int16)


def turns_from_json(data: Iterable[dict[str, object]]) -> list[Turn]:
    """Build turns from JSON objects {speaker, text, gap_before_s?, label?}."""
    turns = []
    for item in data:
        gap = item.get("gap_before_s", 0.6)
        label = item.get("label")
        turns.append(
            Turn(
                speaker=cast(Speaker, item["speaker"]),
                text=str(item["text"]),
                gap_before_s=float(cast(float, gap)),
                label=None if label is None else str(label),
            )
        )
    return turns


def load_turns(path: str | Path) -> list[Turn]:
    """Read a turns JSON file (a list of turn objects)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of turns")
    return turns_from_json(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audio.synth",
        description="Synthesize a two-party call: stereo WAV (ch0 rep, ch1 prospect) + OUT.json truth.",
    )
    parser.add_argument("out", type=Path, help="output WAV path; the truth goes next to it as .json")
    parser.add_argument("--turns", type=Path, required=True, help="JSON list of {speaker,text,gap_before_s}")
    parser.add_argument("--wpm", type=int, default=DEFAULT_WPM)
    parser.add_argument("--rep-voice", default=REP_VOICE)
    parser.add_argument("--prospect-voice", default=PROSPECT_VOICE)
    parser.add_argument("--lead-in", type=float, default=0.5, help="seconds of silence before the first turn")
    parser.add_argument("--tail", type=float, default=1.0, help="seconds of silence after the last turn")
    parser.add_argument("--bleed-db", type=float, default=None, help="leak the prospect into the rep channel")
    args = parser.parse_args(argv)

    call = synthesize_call(
        load_turns(args.turns),
        rep_voice=args.rep_voice,
        prospect_voice=args.prospect_voice,
        wpm=args.wpm,
        lead_in_s=args.lead_in,
        tail_s=args.tail,
        bleed_db=args.bleed_db,
    )
    call.write_wav(args.out)
    sidecar = args.out.with_suffix(".json")
    sidecar.write_text(json.dumps(call.truth(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({call.duration_s:.1f} s, {len(call.turns)} turns) and {sidecar}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
