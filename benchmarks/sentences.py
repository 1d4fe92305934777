"""Sentence finals and cheap partials, measured: ``python -m benchmarks.sentences [--sets ...]``.

Every run is ``oneup run FILE --realtime`` in a fresh child process (refinement on, as by
default), so the CPU figure counts everything that runs during a call. Per set and variant it prints:
- sentence latency p50/p95 (reference-anchored, ``tuning.latency``): when the line holding each
  reference sentence's last recognized word was written, minus the sentence's end;
- piece latency p50/p95: each line's ``latency_s`` (end of its audio to its text);
- WER of the live lines against what was said (the demo's script, the monologues' text, the
  recorded sets' transcripts); for the phone call, which has no transcript, against offline
  faster-whisper beam 5 on the whole channel, decoded in a fresh process, so that figure is
  agreement (and favours what decodes like tiny.en in a 30 s window);
- CPU-seconds per audio second during the call (user + system of the whole run, less a run on 2 s
  of silence: start-up, model load, warm-up), the same with start-up, and the number of lines;
- for the synthesized monologues: the One-Down sentences, how many were presented One-Down, and
  the delay from each one's end to its line (the nudge is written with the line).

Sets: ``mono`` (the real two-minute stereo phone call mixed to one channel: continuous two-party
speech), ``stereo`` (the same call, agent as rep on channel 0), ``demo`` (the demo call synthesized
on two channels: turns of one to three sentences with pauses between them; reference sentence ends
from offline word timestamps, as for the recordings), ``monologue`` (synthesized: three 30 s rep
monologues, sentence by sentence, 0.25-0.45 s apart, between prospect turns); not run unless
named: ``dialogue`` (the two recorded Katie/Steve dialogues, mono, 49 s) and ``read`` (14 recorded
clips of ../shared/speech, 185 s), real speech with transcripts, so their WER is against the truth.
Variants: ``before`` (the settings before sentence lines: finals at a 0.6 s pause only, interim
text every 1.5 s), ``sentences`` (defaults: the decodes of held phrases are the interim text),
``partials`` (defaults plus extra interim requests every 3 s).

``--fast`` runs the calls as fast as possible instead (``oneup run`` without ``--realtime``): the
cuts then do not depend on how busy the machine is, so two variants' WER differs only by what the
variant changes (a realtime run's WER varies by a few points from run to run); no latency is
printed then, and the CPU figure includes the refine pass after the call.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.synth import SynthCall, Turn, load_turns, synthesize_call
from benchmarks.refine import _WAIT4, ROOT, SPEECH, _concat, _load
from core.machine import describe
from tuning.latency import EmittedLine, RefSentence, completing_lines, split_sentences
from tuning.wer import corpus_wer

VARIANTS: dict[str, list[str]] = {
    "before": ["--phrase-pause-ms", "0", "--partial-interval-s", "1.5", "--encoder-window-s", "30"],
    "sentences": [],
    "partials": ["--partial-interval-s", "3"],
}
CALL = SPEECH / "conversation" / "stereo_call_aws_lca_autorepairs40_part1.flac"
DIALOGUE = ("conversation_azure_katiesteve.flac", "conversation_azure_katiesteve_mono.flac")
"""Real two-party dialogue with its transcript (mono, 49 s): the recorded set scored against what
was said, not against an offline decode."""
READ_EVERY = 6
"""Every 6th clip of ../shared/speech (14 clips, several corpora and speakers, 1.5 s apart)."""

OD = "one-down"
MONOLOGUES: list[list[tuple[str, str | None]]] = [
    [
        ("So let me walk you through what we built.", None),
        ("Our platform pulls every timesheet into one dashboard automatically.", OD),
        ("Your supervisors approve hours from their phones in a couple of taps.", OD),
        ("Over the last year overtime rules changed in four of the states you operate in.", None),
        ("That is where most payroll errors come from right now.", None),
        ("We were founded in two thousand nine and we serve over four hundred companies.", OD),
        ("Anyway, I can send you the deck after this call.", None),
    ],
    [
        ("Let me share my screen for a second.", None),
        ("Okay, can you see the spreadsheet with the three options?", None),
        ("The first decision you will need to make is who owns the data.", None),
        ("Most teams skip that step and regret it six months later.", None),
        ("What are the biggest challenges you are facing with your current vendor?", OD),
        ("And how is that impacting your team day to day?", OD),
        ("I just need about twenty more minutes with your CFO to get this over the line.", OD),
    ],
    [
        ("Thanks, that makes sense.", None),
        ("Our tool integrates with your warehouse system out of the box.", OD),
        ("It flags late shipments before your customers even notice them.", OD),
        ("Freight rates have doubled on the routes you told me about.", None),
        ("Teams like yours usually find that the carriers hide the surcharges in the invoices.", None),
        ("So whatever works best for you on next steps, just let me know.", OD),
        ("I will wait to hear back from you.", OD),
    ],
]
PROSPECT = [
    "Thanks for making the time today. So tell me what you have in mind for us.",
    "Interesting. Can you show me how it compares to what we have?",
    "Okay. Let me think about it and talk to my team.",
    "Sounds good, thanks.",
]


@dataclass(frozen=True)
class Set:
    name: str
    wav: Path
    audio_s: float
    refs: dict[str, list[RefSentence]]
    one_down: list[RefSentence]
    """Reference sentences the script labels One-Down (synthesized set only)."""
    truth: dict[str, str] | None = None
    """What each speaker really said, when known (a script): WER is scored against it, not against
    the offline decode (whose sentence ends still time the latency)."""


def _write(path: Path, channels: list[np.ndarray]) -> None:
    n = max(c.size for c in channels)
    data = np.stack([np.pad(c, (0, n - c.size)) for c in channels], axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.clip(data, -32768, 32767).astype(np.int16).tobytes())


_OFFLINE_CHILD = """
import json, sys
import ctranslate2, numpy as np
from faster_whisper import WhisperModel
from live.transcriber import SEED, resolve_model
audio = np.load(sys.argv[1])
ctranslate2.set_random_seed(SEED)  # temperature fallback samples: the same reference every run
model = WhisperModel(resolve_model("tiny.en"), device="cpu", compute_type="int8", cpu_threads=2)
segments, _ = model.transcribe(
    (audio / 32768).astype(np.float32), language="en", beam_size=5, word_timestamps=True
)
print(json.dumps([[w.word, w.end] for s in segments for w in (s.words or [])]))
"""


def _offline_refs(audio: np.ndarray) -> list[RefSentence]:
    """Offline faster-whisper (beam 5, word times) on the whole channel, cut into sentences; decoded
    in a fresh process. Decoded in the benchmark's own process, the demo's rep channel gave 24 or 30
    sentences depending on what that process had decoded before (and the same live lines scored
    10.4% or 21.5% WER against two such references); in a fresh process it gives 33 every time."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audio.npy"
        np.save(path, audio)
        out = subprocess.run(
            [sys.executable, "-c", _OFFLINE_CHILD, str(path)], capture_output=True, text=True, cwd=ROOT
        )
    if out.returncode != 0:
        raise RuntimeError(f"offline reference failed: {out.stderr[-300:]}")
    return split_sentences([(str(w), float(e)) for w, e in json.loads(out.stdout)])


def monologue_call() -> tuple[SynthCall, list[str | None]]:
    turns: list[Turn] = []
    labels: list[str | None] = []
    gaps = (0.25, 0.35, 0.45, 0.3)
    for i, mono in enumerate(MONOLOGUES):
        turns.append(Turn("prospect", PROSPECT[i], gap_before_s=0.8))
        labels.append(None)
        for j, (text, label) in enumerate(mono):
            turns.append(Turn("rep", text, gap_before_s=0.8 if j == 0 else gaps[j % len(gaps)]))
            labels.append(label)
    turns.append(Turn("prospect", PROSPECT[-1], gap_before_s=0.8))
    labels.append(None)
    call = synthesize_call(turns)
    return call, labels


def build_sets(names: list[str], tmp: Path) -> list[Set]:
    out: list[Set] = []
    if "mono" in names or "stereo" in names:
        channels = _load(CALL)
        agent, caller = channels[1].astype(np.float64), channels[0].astype(np.float64)
        seconds = agent.size / 16000
        if "mono" in names:
            mix = agent + caller
            wav = tmp / "mono.wav"
            _write(wav, [mix])
            out.append(Set("mono", wav, seconds, {"rep": _offline_refs(mix)}, []))
        if "stereo" in names:
            wav = tmp / "stereo.wav"
            _write(wav, [agent, caller])
            refs = {"rep": _offline_refs(agent), "prospect": _offline_refs(caller)}
            out.append(Set("stereo", wav, seconds, refs, []))
    if "read" in names:
        rows = [json.loads(x) for x in (SPEECH / "manifest.jsonl").read_text().splitlines()][::READ_EVERY]
        audio = _concat([_load(SPEECH / r["audio"])[0] for r in rows])
        wav = tmp / "read.wav"
        _write(wav, [audio])
        truth = {"rep": " ".join(r["text"] for r in rows)}
        out.append(Set("read", wav, audio.size / 16000, {"rep": _offline_refs(audio)}, [], truth))
    if "dialogue" in names:
        conv = SPEECH / "conversation"
        texts = {
            r["audio"]: r["text"] for r in map(json.loads, (conv / "manifest.jsonl").read_text().splitlines())
        }
        audio = _concat([_load(conv / n)[0] for n in DIALOGUE])
        wav = tmp / "dialogue.wav"
        _write(wav, [audio])
        truth = {"rep": " ".join(texts[n] for n in DIALOGUE)}
        out.append(Set("dialogue", wav, audio.size / 16000, {"rep": _offline_refs(audio)}, [], truth))
    if "demo" in names:
        call = synthesize_call(load_turns(ROOT / "live" / "assets" / "demo_call.json"))
        wav = tmp / "demo.wav"
        call.write_wav(wav)
        refs = {
            "rep": _offline_refs(call.rep.astype(np.float64)),
            "prospect": _offline_refs(call.prospect.astype(np.float64)),
        }
        truth = {s: " ".join(t.text for t in call.turns if t.speaker == s) for s in ("rep", "prospect")}
        out.append(Set("demo", wav, call.duration_s, refs, [], truth))
    if "monologue" in names:
        call, labels = monologue_call()
        wav = tmp / "monologue.wav"
        call.write_wav(wav)
        refs = {
            s: [RefSentence(t.text, t.end_s) for t in call.turns if t.speaker == s]
            for s in ("rep", "prospect")
        }
        od = [RefSentence(t.text, t.end_s) for t, lab in zip(call.turns, labels, strict=True) if lab == OD]
        out.append(Set("monologue", wav, call.duration_s, refs, od))
    return out


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def _cpu(wav: Path, out: Path, flags: list[str], realtime: bool) -> float:
    """CPU seconds (user + system) of one ``oneup run`` of ``wav`` (``--realtime`` or as fast as
    possible), in a fresh process."""
    pace = ["--realtime"] if realtime else []
    cmd = [sys.executable, "-m", "cli", "run", str(wav), *pace, "--out", str(out), "--force"]
    cmd += flags
    probe = subprocess.run([sys.executable, "-c", _WAIT4, *cmd], capture_output=True, text=True, cwd=ROOT)
    if probe.returncode != 0:
        raise RuntimeError(f"oneup run failed: {probe.stderr[-300:]}")
    return float(probe.stdout.split()[0])


_FIXED: dict[tuple[tuple[str, ...], bool], float] = {}
"""Memo of ``fixed_cpu`` per variant's flags and pace (the same for every set)."""


def fixed_cpu(flags: list[str], tmp: Path, realtime: bool) -> float:
    """CPU of a run on 2 s of silence: start-up, model load and warm-up, exit (paid once per call)."""
    key = (tuple(flags), realtime)
    if key not in _FIXED:
        wav = tmp / "silence.wav"
        _write(wav, [np.zeros(32000), np.zeros(32000)])
        _FIXED[key] = _cpu(wav, tmp / "silence.jsonl", flags, realtime)
    return _FIXED[key]


def run_one(s: Set, variant: str, flags: list[str], tmp: Path, tag: str = "", realtime: bool = True) -> str:
    """One run of ``s`` with ``variant``'s ``flags`` (``--realtime``, or as fast as possible), as one
    printed row (``tag`` names a repeat: ``variant#2``)."""
    tag = tag or variant
    out = tmp / f"{s.name}-{tag.replace('#', '-')}.jsonl"
    t0 = time.perf_counter()
    cpu = _cpu(s.wav, out, flags, realtime)
    wall = time.perf_counter() - t0
    fixed = fixed_cpu(flags, tmp, realtime)
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    utts = [r for r in recs if r["type"] == "utterance"]
    sent: list[float] = []
    missed = 0
    pairs: list[tuple[str, str]] = []
    for speaker, refs in s.refs.items():
        lines = [r for r in utts if r["speaker"] == speaker]
        emitted = [EmittedLine(r["text"], r["emitted_at"]) for r in lines]
        held = completing_lines(refs, emitted)
        for i, r in zip(held, refs, strict=True):
            if i is None:
                missed += 1
            else:
                sent.append(emitted[i].emitted_at - r.end)
        said = s.truth[speaker] if s.truth else " ".join(r.text for r in refs)
        pairs.append((said, " ".join(r["text"] for r in lines)))
    piece = [r["latency_s"] for r in utts]
    timing = (
        f"sentence p50 {_pct(sent, 50):5.2f} s p95 {_pct(sent, 95):5.2f} s (n={len(sent)}, missed {missed})"
        f" · piece p50 {_pct(piece, 50):4.2f} p95 {_pct(piece, 95):4.2f} s"
        if realtime
        else f"sentences found {len(sent)}, missed {missed} (fast: no latency)"
    )
    row = (
        f"{s.name:<10} {tag:<10} {timing}"
        f" · WER {corpus_wer(pairs) * 100:5.2f}% · CPU {(cpu - fixed) / s.audio_s:.3f} CPU-s/audio-s"
        f" during the call ({cpu / s.audio_s:.3f} with start-up) · {len(utts)} lines · wall {wall:.0f} s"
    )
    busy = recs[-1].get("model_busy_s") if recs[-1]["type"] == "summary" else None
    if busy:  # where the model's time went, per audio second (x threads ~ its CPU share)
        row += f"\n{'':<21} model busy per audio-s: " + " ".join(
            f"{k} {v / s.audio_s:.3f}" for k, v in busy.items()
        )
    if s.one_down and realtime:
        reps = [r for r in utts if r["speaker"] == "rep"]
        emitted = [EmittedLine(r["text"], r["emitted_at"]) for r in reps]
        delays: list[float] = []
        presented = 0
        for i, r in zip(completing_lines(s.one_down, emitted), s.one_down, strict=True):
            if i is not None and reps[i]["stance"] == "one-down":
                presented += 1
                delays.append(reps[i]["emitted_at"] - r.end)
        row += (
            f"\n{'':<21} One-Down sentences {presented}/{len(s.one_down)} presented; their line (with the"
            f" nudge) came p50 {_pct(delays, 50):.2f} s, max {max(delays, default=float('nan')):.2f} s after"
        )
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sentences", description=__doc__)
    ap.add_argument("--sets", nargs="+", default=["mono", "stereo", "demo", "monologue"])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    ap.add_argument(
        "--try",
        dest="extra",
        default=None,
        help='flags of an extra variant "try", e.g. "--partial-interval-s 3"',
    )
    ap.add_argument("--keep", type=Path, help="keep the sets' audio and each run's journal in this folder")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every set and variant N times, variants interleaved (realtime runs differ: the same"
        " settings gave the synthesized monologues 10.3%% and 14.3%% WER in two sessions, partly because"
        " the synthesized audio itself differed between runs until audio.synth used sox -R)",
    )
    ap.add_argument(
        "--fast", action="store_true", help="run the calls as fast as possible (WER without timing noise)"
    )
    args = ap.parse_args(argv)
    print(f"machine: {describe()}", flush=True)
    if args.fast:
        print("pace: as fast as possible (no latency printed; CPU includes the refine pass)", flush=True)
    variants = dict(VARIANTS)
    if args.extra is not None:
        variants["try"] = args.extra.split()
        if "try" not in args.variants:
            args.variants.append("try")
    unknown = [v for v in args.variants if v not in variants]
    if unknown:
        ap.error(f"unknown variant {', '.join(unknown)} (choose from {', '.join(variants)}, or give --try)")
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) if args.keep is None else args.keep
        where.mkdir(parents=True, exist_ok=True)
        for s in build_sets(args.sets, where):
            if args.keep is not None:
                refs = {k: [[r.text, r.end] for r in v] for k, v in s.refs.items()}
                (where / f"{s.name}-refs.json").write_text(json.dumps(refs))
            for k in range(1, args.repeat + 1):
                for v in args.variants:
                    tag = f"{v}#{k}" if args.repeat > 1 else v
                    row = run_one(s, v, variants[v], where, tag, realtime=not args.fast)
                    print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
