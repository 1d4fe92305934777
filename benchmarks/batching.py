"""Would batching the rep's and the prospect's utterances into one model call pay off here?

    python -m benchmarks.batching [--pairs 8] [--threads 2]

Whisper pads every utterance to a 30 s window, so two waiting utterances cost two encoder
passes either way; batching can only save per-call overhead and run the two decodes side by
side. This measures it on pairs of demo-call turns (one rep, one prospect): two sequential
``transcribe`` calls vs one batched encode + generate (``WhisperTranscriber.transcribe_batch``,
faster-whisper's batched path; the pipeline uses it with ``model.batch_channels = true``), same model,
greedy, no timestamps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from core.config import ModelConfig
from core.machine import describe
from live.transcriber import WhisperTranscriber
from tuning.bench import demo_clips


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    print(f"machine: {describe()}", flush=True)
    tr = WhisperTranscriber(ModelConfig(threads=args.threads, device="cpu"))
    tr.warm()
    clips = demo_clips()
    # The demo call alternates rep and prospect turns: neighbours make a pair.
    pairs = [(clips[i].audio, clips[i + 1].audio) for i in range(0, len(clips) - 1, 2)][: args.pairs]
    tr.transcribe_batch(list(pairs[0]))  # warm the batched path too
    seq, bat = [], []
    for a, b in pairs:
        t0 = time.perf_counter()
        tr.transcribe(a)
        tr.transcribe(b)
        seq.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tr.transcribe_batch([a, b])
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
