"""The events that flow through oneup: small, frozen, typed.

Every stage talks in these types only. Audio sources produce ``AudioFrame``; the
VAD segmenter turns them into ``SpeechSegment``; the transcription worker turns
segments into ``Utterance`` (with a ``Label`` for the rep) and emits the rest
(``Partial``, ``Nudge``, ``Coaching``, ``Status``...) to whatever consumes them:
the journal, the headless printer or the Textual UI. Nothing here imports a
heavy dependency, so any layer can depend on this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

Speaker = Literal["rep", "prospect"]


def speakers_of(rep_only: bool) -> tuple[Speaker, ...]:
    """The channels a call has: the rep's, and the prospect's unless it is a rep-only call."""
    return ("rep",) if rep_only else ("rep", "prospect")


def kept_audio(rep_only: bool, keep_audio: bool) -> tuple[Speaker, ...]:
    """The channels whose audio ``--keep-audio`` writes beside the journal (none without it)."""
    return speakers_of(rep_only) if keep_audio else ()


Stance = Literal["one-down", "one-up", "neutral"]

SAMPLE_RATE = 16_000
"""Internal sample rate (Hz): every channel is converted to this once, at the source."""
SAMPLE_WIDTH = 2
"""Internal sample width in bytes (signed 16-bit little-endian, mono)."""


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """A short block of one speaker's audio, as a sound card would deliver it."""

    speaker: Speaker
    pcm: bytes
    """16 kHz mono int16 little-endian samples."""
    start: float
    """Call time of the first sample, in seconds."""

    @property
    def duration(self) -> float:
        return len(self.pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of one speaker's speech cut by the VAD, ready for transcription."""

    speaker: Speaker
    pcm: bytes
    """Audio including pre-roll and trailing hangover."""
    start: float
    """Call time (s) of the first voiced frame."""
    end: float
    """Call time (s) of the last voiced frame's end."""
    voiced_s: float
    """Seconds of frames the VAD judged voiced: the talk time this segment adds (a look ahead's,
    ``peek``, adds none: its audio is counted with the phrase it looks into)."""
    final: bool = True
    """False for an interim snapshot of an utterance still being spoken."""
    pcm_start: float = 0.0
    """Call time (s) of the first sample of ``pcm`` (before ``start`` by the pre-roll)."""
    received_at: float = 0.0
    """``time.monotonic()`` when the segment's last audio frame reached the pipeline."""
    phrase: bool = False
    """Cut at a short pause while the speaker goes on (``vad.phrase_pause_ms``): its audio ends
    where the next segment's begins, and the pipeline may hold it until its text ends a sentence."""
    soft: bool = False
    """A phrase cut in speech with no pause (``vad.soft_cut_s``) at a voiced frame (no gap the VAD
    heard as silence was near): its last word may be cut in two, so the pipeline does not trust a
    sentence end at its very end, only one followed by more words. A soft cut that found such a gap
    is a plain phrase."""
    peek: bool = False
    """A look ahead, never a line itself: the first ``vad.peek_s`` of speech after a phrase cut
    (``phrase`` is set; ``pcm`` tiles with the cut phrase). The pipeline decodes it after a held
    phrase whose text ends or holds a sentence, to write that sentence as soon as the next words
    confirm it (or end a sentence of their own), instead of at the next cut. Its audio is cut and
    decoded again as (part of) the next phrase, so its ``voiced_s`` adds no talk time."""
    context_s: float = 0.0
    """Seconds at the start of ``pcm`` that the previous line of the same turn already wrote: decoded
    again as context (a short sentence alone is heard worse), their words not repeated."""
    words_from_s: float = 0.0
    """With context: where, in seconds from the start of ``pcm``, the new words begin (the middle of
    the pause between the previous line's last voice and this segment's first)."""

    @property
    def silent(self) -> bool:
        """No voiced frame at all: a turn's closing segment after its last phrase was cut at the
        pause (the segmenter's cue that the turn ended). Nothing in it to decode or to report."""
        return self.voiced_s == 0


@dataclass(frozen=True, slots=True)
class Guess:
    """The detector's best non-neutral reading of an utterance it was not sure enough to present."""

    label: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Label:
    """What the One-Down detector presents for one rep utterance.

    ``label``, ``stance`` and ``nudge`` are the presented verdict: when the detector is not
    sure, that verdict is neutral (``unsure``) and its best guess is kept in ``guess``.
    """

    label: str
    stance: Stance
    confidence: float
    evidence: str
    """Words of the utterance that carry the verdict: a cue's span, or the sentence that decided it;
    "" when none. Never text the rep did not say."""
    nudge: str | None
    """The One-Up alternative (one-down) or brief reinforcement (one-up); None otherwise."""
    unsure: bool = False
    """The best guess was below the confidence threshold: presented as neutral, no nudge."""
    guess: Guess | None = None
    """With ``unsure``: the non-neutral label the detector leaned to, and how sure it was."""
    part: str | None = None
    """For a turn of several sentences: the sentence that decided the verdict."""
    like: str | None = None
    """When no cue phrase fired: a training example the utterance resembles (shown as "like: …")."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """A finished, transcribed utterance: the unit of the transcript and the journal."""

    speaker: Speaker
    start: float
    end: float
    text: str
    voiced_s: float
    latency_s: float
    """Wall-clock seconds from the segment's last frame reaching the pipeline to this event."""
    label: Label | None = None
    nudge_shown: bool = False
    """Whether the live view showed ``label.nudge`` (nudge discipline may hold it back)."""
    guard: str | None = None
    """What the transcriber's loop / early-stop guard did to get this text (None: nothing)."""
    dropped_text: str | None = None
    """Text the guard removed as a last resort (a repetition loop no retry fixed)."""
    emitted_at: float = 0.0
    """Call time (s, the clock of ``start``/``end``) at which the line was final and written."""
    id: int = 0
    """Unique within the call (1, 2, ...): what a later ``revision`` line refers to."""


@dataclass(frozen=True, slots=True)
class Partial:
    """Interim text of an utterance still being spoken (may change; never journaled)."""

    speaker: Speaker
    start: float
    text: str


@dataclass(frozen=True, slots=True)
class Nudge:
    """A coaching cue to show now, one at a time."""

    label: str
    stance: Stance
    text: str
    evidence: str
    """The rep's words that triggered it ("" when none)."""
    at: float
    """Call time (s) of the utterance that triggered it."""
    like: str | None = None
    """A training example the utterance resembles, when no cue phrase fired (not the rep's words)."""


@dataclass(frozen=True, slots=True)
class Coaching:
    """Call-level coaching signals, recomputed after every utterance."""

    rep_s: float
    prospect_s: float
    rep_share: float | None
    """Rep share of voiced talk time, 0..1; None until anyone has spoken or in rep-only mode."""
    target_share: float
    target_band: float
    current_monologue_s: float
    longest_monologue_s: float
    monologue_alert: bool
    questions: int
    patience_s: float | None
    """Mean pause before the rep answers the prospect; None until measured."""
    labels: dict[str, int] = field(default_factory=dict)
    one_down: int = 0
    one_up: int = 0


@dataclass(frozen=True, slots=True)
class Level:
    """Input level of one channel, for the meters (high rate; consumers may coalesce)."""

    speaker: Speaker
    dbfs: float
    at: float


@dataclass(frozen=True, slots=True)
class Status:
    """Pipeline health for the status line."""

    queue_lag_s: float
    """Seconds of speech waiting for transcription."""
    last_latency_s: float | None
    overflows: int
    call_time: float


@dataclass(frozen=True, slots=True)
class Mark:
    """A moment the user marked during the call."""

    at: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Advisory:
    """A one-time advisory for the user (e.g. echo detected: use headphones)."""

    message: str


@dataclass(frozen=True, slots=True)
class SessionStarted:
    journal: str
    model: str
    source: str
    rep_only: bool


class EndReason(str, Enum):
    """Why a call ended: front ends choose exit codes and wording from this, never from text."""

    END_OF_AUDIO = "end of audio"
    INPUT_ENDED_EARLY = "input ended early"
    """A recording cut short (corrupt tail): what was decoded is kept; a warning, not an error."""
    USER_QUIT = "user quit"
    STOPPED = "stopped"
    """Stopped from outside by a signal (kill or a service manager, the terminal closing); the detail
    names it. Saved as for a quit."""
    DURATION_REACHED = "duration reached"
    DEVICE_LOST = "audio device lost"
    ERROR = "error"


def end_text(reason: EndReason, detail: str = "") -> str:
    """The one wording of an end reason, as the journal's ``end_reason`` and the front ends show it."""
    if reason is EndReason.ERROR:
        return f"error: {detail}" if detail else "error"
    if reason is EndReason.INPUT_ENDED_EARLY:
        return f"end of audio (input ended early: {detail})"
    return f"{reason.value} ({detail})" if detail else reason.value


@dataclass(frozen=True, slots=True)
class SessionEnded:
    journal: str
    transcript: str
    """Path of the Markdown annotated transcript."""
    reason: EndReason
    detail: str = ""
    """The error message, or what cut the input short or lost the device."""

    @property
    def text(self) -> str:
        return end_text(self.reason, self.detail)


Event = (
    Utterance | Partial | Nudge | Coaching | Level | Status | Mark | Advisory | SessionStarted | SessionEnded
)
"""Everything a consumer (journal, headless printer, UI) can receive from the pipeline."""
