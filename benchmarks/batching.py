"""Would batching the rep's and the prospect's utterances into one model call pay off here?

    python -m benchmarks.batching [--pairs 8] [--threads 2]

Whisper pads every utterance to a 30 s window, so two waiting utterances cost two encoder
passes either way; batching can only save per-call overhead and run the two decodes side by
side. This measures it on pairs of demo-call turns (one rep, one prospect): two sequential
``transcribe`` calls vs one batched encode + generate (faster-whisper's own batched path,
``BatchedInferencePipeline.generate_segment_batched``), same model, greedy, no timestamps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from live.bench import demo_clips
from live.config import ModelConfig
from live.transcriber import WhisperTranscriber


def batched(tr: WhisperTranscriber, audios: list[np.ndarray]) -> list[str]:
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import BatchedInferencePipeline, TranscriptionOptions

    model = tr._model
    n_frames = model.feature_extractor.nb_max_frames
    feats = []
    for a in audios:
        f = model.feature_extractor(a)[:, :n_frames]
        feats.append(np.pad(f, ((0, 0), (0, n_frames - f.shape[1]))))
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    options = TranscriptionOptions(
        beam_size=1,
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
    pipeline = BatchedInferencePipeline(model)
    _enc, outputs = pipeline.generate_segment_batched(np.stack(feats), tokenizer, options)
    return [tokenizer.decode(o["tokens"]).strip() for o in outputs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    tr = WhisperTranscriber(ModelConfig(threads=args.threads, device="cpu"))
    tr.warm_up()
    clips = demo_clips()
    # The demo call alternates rep and prospect turns: neighbours make a pair.
    pairs = [(clips[i].audio, clips[i + 1].audio) for i in range(0, len(clips) - 1, 2)][: args.pairs]
    batched(tr, list(pairs[0]))  # warm the batched path too
    seq, bat = [], []
    for a, b in pairs:
        t0 = time.perf_counter()
        tr.transcribe(a)
        tr.transcribe(b)
        seq.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        batched(tr, [a, b])
        bat.append(time.perf_counter() - t0)
    s, b = float(np.median(seq)), float(np.median(bat))
    print(f"{len(pairs)} rep+prospect pairs, tiny.en int8, {args.threads} threads:")
    print(f"  two sequential calls: median {s:.3f} s per pair")
    print(f"  one batched call:     median {b:.3f} s per pair  ({(1 - b / s) * 100:+.0f}% time saved)")
    print(
        f"  the second utterance's wait: sequential {s:.3f} s vs batched {b:.3f} s; "
        f"the first's: {s / 2:.3f} s vs {b:.3f} s"
    )


if __name__ == "__main__":
    main()
