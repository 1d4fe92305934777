"""The composition root: the one place a call session is assembled from its stages.

The CLI, ``oneup bench``, the benchmarks and the tests all build sessions here, so
the wiring (which detector, which gate, warm-up before the first frame, when the
journal file is created) cannot drift between them. Pass ``transcriber``,
``classifier`` or ``vad`` to swap a heavy stage for a fake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from audio.segmenter import IsSpeech
from audio.source import AudioSource
from classifiers import load_classifier
from classifiers.base import Classifier
from classifiers.policy import NudgePolicy
from core.config import Config
from core.events import kept_audio
from core.journal import JournalWriter, beside
from live.pipeline import Pipeline, PipelineOptions
from live.refine import WordTranscriber
from live.transcriber import Transcriber, WhisperTranscriber


def describe(transcriber: Transcriber, config: Config) -> str:
    """What the status line and the journal say about the model."""
    if isinstance(transcriber, WhisperTranscriber):
        m = config.model
        return f"{m.model} {m.compute_type} on {transcriber.device} ({m.threads} threads)"
    return transcriber.name


def session_files(journal: Path, source: AudioSource, keep_audio: bool) -> tuple[Path, ...]:
    """Every file the session over ``source`` writes: the journal and the files beside it."""
    return (journal, *beside(journal, audio=kept_audio(source.rep_only, keep_audio)))


def build_session(
    config: Config,
    source: AudioSource,
    journal: Path,
    *,
    paced: bool,
    force: bool = False,
    keep_audio: bool = False,
    unique: bool = False,
    transcriber: Transcriber | None = None,
    classifier: Classifier | None = None,
    vad: Callable[[], IsSpeech] | None = None,
) -> Pipeline:
    """One call session over ``source``, journaling to ``journal``.

    The detector and the model are loaded before the journal file is created, so a bad
    model or rules file leaves nothing behind. The model's warm-up decodes run only when
    ``paced``, where the rep's first words and the first refine window must not wait for
    lazy allocation; a file run has nobody waiting and would pay them up front for nothing
    (1 s of noise and a 28 s window: 6.4 s wall on a 2-core AVX2 machine, most of
    ``oneup run`` on a 3 s clip). ``paced``: live capture and ``--realtime`` (never block
    the source, interim text); otherwise as fast as possible, back-pressured.
    """
    if classifier is None:
        classifier = load_classifier(config.detector.rules, config.detector.min_confidence)
    classifier.warm()
    if transcriber is None:
        transcriber = WhisperTranscriber(config.model)
    refiner = _refiner(config, transcriber)
    if paced:
        transcriber.warm()
        if refiner is not None:
            refiner.warm_words()
    writer = JournalWriter(journal, force=force, audio=kept_audio(source.rep_only, keep_audio), unique=unique)
    return Pipeline(
        source,
        transcriber,
        classifier,
        NudgePolicy(config.nudge),
        writer,
        config,
        PipelineOptions(paced=paced, model_description=describe(transcriber, config), keep_audio=keep_audio),
        vad=vad,
        refiner=refiner,
    )


def _refiner(config: Config, transcriber: Transcriber) -> WordTranscriber | None:
    """The model of the refine pass: the live one, or ``refine.model`` (loaded and warmed here)."""
    if not config.refine.enabled:
        return None
    if config.refine.model is None:
        return transcriber if isinstance(transcriber, WordTranscriber) else None
    return WhisperTranscriber(replace(config.model, model=config.refine.model))
