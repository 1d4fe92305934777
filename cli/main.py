"""The ``oneup`` command line; its tuning flags map onto ``core.config`` in one table (``cli.flags``).

Every user-facing failure is one line on stderr and exit code 2; the expected
error types are listed in ``USER_ERRORS``. Heavy imports (the model, Textual,
sounddevice) happen inside the command that needs them.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import signal
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from cli import classify, review
from cli.flags import add_tuning_flags, build_config
from cli.output import out_path, printable, say, silence, warn
from core.config import Config, ConfigError
from core.events import EndReason
from core.journal import markdown_path
from core.paths import config_path, data_dir
from live import DEMO_CALL

if TYPE_CHECKING:
    from audio.source import AudioSource
    from live.pipeline import Pipeline


def _user_errors() -> tuple[type[BaseException], ...]:
    from audio.capture import CaptureError
    from audio.decode import AudioInputError
    from classifiers.rules import RulesError
    from core.journal import JournalError
    from live.transcriber import ModelError

    return (AudioInputError, CaptureError, ConfigError, JournalError, ModelError, RulesError)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line (no usage dump) with exit code 2."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see '{self.prog} --help')")


def fail(message: str) -> NoReturn:
    say(f"oneup: error: {printable(message)}", sys.stderr)
    raise SystemExit(2)


def _add_out_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="journal path (default: a new file in the user data folder)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument(
        "--keep-audio",
        action="store_true",
        help="also save the call's audio beside the journal (one WAV per channel): recording a call "
        "needs the other party's consent in many places",
    )


def _journal_path(args: argparse.Namespace) -> Path:
    from core.journal import default_journal_path, ensure_private_dir

    if args.out is not None:
        try:
            return out_path(args.out, "journal", "for the sessions folder", "call.jsonl")
        except ValueError as exc:
            fail(str(exc))
    d = data_dir()
    try:
        ensure_private_dir(d)
        # Private even if something made it wider; only ever narrowed (a folder the user made
        # read-only, through ONEUP_DATA_DIR, stays read-only: the journal then says so, in one line).
        os.chmod(d, stat.S_IMODE(d.stat().st_mode) & 0o700)
    except OSError as exc:
        fail(f"{d}: cannot create the sessions folder: {exc.strerror or exc}")
    return default_journal_path(d)


def make_session(
    source: AudioSource, args: argparse.Namespace, cfg: Config, paced: bool, reads: Sequence[str | None] = ()
) -> Pipeline:
    """The real session around ``source`` (model, detector, journal), from the composition root.
    ``reads``: the recordings the source reads, which the journal and the files beside it must not
    be (``--out call.wav --force`` on ``call.wav`` would overwrite the recording)."""
    from core.paths import not_regular, same_file
    from live.compose import build_session, session_files

    journal = _journal_path(args)
    for path in session_files(journal, source, args.keep_audio):
        if any(r and same_file(path, Path(r)) for r in reads):
            fail(f"{path}: is the recording being transcribed: give --out another name")
        if not_regular(path):  # found now, not when the call ends and the file is written
            fail(f"{path}: not a regular file (a folder, a pipe or a device): give --out another name")
    return build_session(
        cfg,
        source,
        journal,
        paced=paced,
        force=args.force,
        keep_audio=args.keep_audio,
        unique=not args.out,  # a default name another call may have taken this very second
    )


def _written(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def _run_headless(session: Pipeline) -> int:
    from cli.headless import LinePrinter
    from live.session import STOP_SIGNALS

    printer = LinePrinter()
    # Ctrl-C, kill, a closed terminal: save and end; not a signal the caller ignores (nohup)
    stops = [s for s in (signal.SIGINT, *STOP_SIGNALS) if signal.getsignal(s) is not signal.SIG_IGN]
    previous = {s: signal.getsignal(s) for s in stops}

    def on_stop(sig: int, _frm: object) -> None:
        session.stop("" if sig == signal.SIGINT else signal.Signals(sig).name)  # Ctrl-C: the user's key

    for s in stops:
        signal.signal(s, on_stop)
    try:
        session.run(printer)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    ended = printer.ended
    if ended is not None and ended.reason is EndReason.ERROR:
        kept = [Path(p) for p in (ended.journal, ended.transcript) if p and _written(Path(p))]
        where = f"; the call up to then: {' and '.join(map(str, kept))}" if kept else ""
        say(f"oneup: error: {printable(ended.detail + where)}", sys.stderr)
        return 2
    if ended is not None and ended.reason is EndReason.INPUT_ENDED_EARLY:
        warn(ended.text)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from audio.source import FileSource

    cfg = build_config(args)
    source = FileSource(
        args.audio, prospect=args.prospect, realtime=args.realtime, rep_channel=args.rep_channel
    )
    session = make_session(source, args, cfg, paced=args.realtime, reads=(args.audio, args.prospect))
    return _run_headless(session)


def _run_ui(session: Pipeline, cfg_desc: str, source: AudioSource) -> int:
    from tui.live.app import CoachApp, UiConfig

    app = CoachApp(
        session,
        UiConfig(model=cfg_desc, source=source.name, rep_only=source.rep_only, journal=session.journal_path),
    )
    journal = Path(app.run() or session.journal_path)
    md = markdown_path(journal)
    say(f"oneup: saved to {journal}" + (f" and {md}" if md.exists() else ""))
    return app.return_code or 0  # 1 after a crash in the view (Textual has printed the traceback)


def _needs_terminal(args: argparse.Namespace) -> None:
    """The live view draws a full screen: with no terminal (a pipe, a service) it would draw into a
    file. Said before anything is opened or written."""
    if not args.headless and not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail("the live view needs a terminal (add --headless for the call as lines of text)")


def cmd_demo(args: argparse.Namespace) -> int:
    from audio.source import FileSource

    _needs_terminal(args)
    cfg = build_config(args)
    source = FileSource(DEMO_CALL, realtime=not args.fast)
    session = make_session(source, args, cfg, paced=not args.fast)
    if args.headless:
        return _run_headless(session)
    return _run_ui(session, session.model_description, source)


def cmd_live(args: argparse.Namespace) -> int:
    import threading

    from audio.capture import CaptureSource

    _needs_terminal(args)
    cfg = build_config(args)
    source = CaptureSource(args.mic, args.loopback, duration_s=args.duration, reconnect_s=args.reconnect_s)
    session = make_session(source, args, cfg, paced=True)
    if not args.headless:
        return _run_ui(session, session.model_description, source)

    def announce() -> None:
        if source.wait_until_capturing(10.0):
            print(f"oneup: listening ({source.name})", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    return _run_headless(session)


def cmd_devices(_args: argparse.Namespace) -> int:
    from audio.capture import list_input_devices, loopback_help

    devices = list_input_devices()
    if not devices:
        fail("no audio input devices: is PulseAudio/PipeWire running?")
    print(f"{'':2}{'idx':>3}  {'name':<40} {'host API':<10} {'rate':>6}")
    for d in devices:
        mark = "*" if d.is_default else ("L" if d.likely_loopback else " ")
        print(f"{mark:2}{d.index:>3}  {d.name[:40]:<40} {d.hostapi[:10]:<10} {d.default_rate:>6}")
    print("\n* default microphone   L likely loopback (the other party's audio)")
    mic = next((d for d in devices if d.is_default), devices[0])
    loop = next((d for d in devices if d.likely_loopback), None)
    if loop is not None:
        print(f"\nSuggested: oneup live --mic {mic.index} --loopback {loop.index}")
    else:
        print(f"\nNo loopback source found: oneup live --mic {mic.index} runs in rep-only mode.")
        print(loopback_help())
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from core.config import flatten, to_toml

    path = config_path()
    if args.action in ("show", "path") and (args.key is not None or args.value is not None):
        fail(f"oneup config {args.action} takes no KEY or VALUE (set one with: oneup config set KEY VALUE)")
    if args.action == "path":
        print(path)
        return 0
    if args.action == "show":
        cfg = build_config(argparse.Namespace())
        print(f"# effective settings (flags > environment > {path} > defaults)")
        print(to_toml(flatten(cfg)), end="")
        return 0
    if args.action == "unset":
        if args.key is None or args.value is not None:
            fail("usage: oneup config unset KEY (e.g. oneup config unset detector.min_confidence)")
        from core.config import unset_setting

        if unset_setting(path, args.key):
            print(f"{args.key} removed from {path}: its default applies")
        else:
            print(f"{args.key} is not set in {path}: nothing to remove")
        return 0
    if args.key is None or args.value is None:
        fail("usage: oneup config set KEY VALUE (e.g. oneup config set model.threads 4)")
    from core.config import save_settings, toml_value

    value = _check_setting(args.key, args.value)
    typed = flatten(save_settings(path, {args.key: value}))
    print(f"{args.key} = {toml_value(typed[args.key])} written to {path}")  # as the file has it
    return 0


def _check_setting(key: str, value: str) -> str:
    """What the config file cannot check by type: the model is on this machine, the rules file loads.
    Written unchecked, a bad value would fail every later run instead of this command. Returns the
    value to write: a rules file or a model folder as an absolute path (a relative one would be
    read from wherever oneup runs next)."""
    if key in ("model.model", "refine.model") and value:
        from live.transcriber import resolve_model

        resolve_model(value)
        return _model_setting(value)
    elif key == "detector.rules" and value:
        from classifiers.rules import load_rules

        rules = Path(value).expanduser().resolve()
        load_rules(rules)
        return str(rules)
    return value


def _model_setting(model: str) -> str:
    """A model as the config file keeps it: a model folder (as ``resolve_model`` takes one) as its
    absolute path, a name as it is ("tiny.en" is the bundled model even beside a folder of that name)."""
    from live.transcriber import BUNDLED_MODEL

    folder = Path(model).expanduser()
    if model == BUNDLED_MODEL or not (folder / "model.bin").is_file():
        return model
    return str(folder.resolve())


def _local_models() -> list[str]:
    """Models that are already on this machine: the bundled one, oneup's model folder, the HF cache."""
    found = ["tiny.en"]
    folder = Path.home() / ".cache" / "oneup-models"
    if folder.is_dir():
        found += sorted(str(p.parent) for p in folder.glob("*/model.bin"))
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        repos = scan_cache_dir().repos
    except (CacheNotFound, OSError):
        return found  # no Hugging Face cache on this machine
    found += sorted(r.repo_id for r in repos if r.repo_type == "model" and "faster-whisper" in r.repo_id)
    return found


def cmd_bench(args: argparse.Namespace) -> int:
    from core.config import save_settings, unset_setting
    from live.transcriber import resolve_device, resolve_model
    from tuning.bench import recommend_refine, run_bench, table

    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else _local_models()
    if args.models is not None and not models:
        fail(f"--models {args.models!r}: names no model (e.g. --models tiny.en,/path/to/model)")
    for m in models:
        resolve_model(m)  # fails fast, one line, for an unknown model
    device = resolve_device(args.device)
    eval_dir = Path(args.eval) if args.eval else None
    if eval_dir is not None and not (eval_dir / "manifest.jsonl").is_file():
        fail(f'{eval_dir}: no manifest.jsonl (lines of {{"audio": FILE, "text": REFERENCE}})')
    print(
        f"oneup bench: device {device}, models {', '.join(models)}, budget p95 <= {args.latency_budget} s",
        file=sys.stderr,
    )

    def progress(i: int, n: int, what: str) -> None:
        bar = "#" * (20 * i // max(n, 1))
        print(f"\r[{bar:<20}] {i}/{n} {what:<40}", end="" if i < n else "\n", file=sys.stderr, flush=True)

    results, best = run_bench(
        models,
        quick=args.quick,
        budget_s=args.latency_budget,
        eval_dir=eval_dir,
        device=device,
        progress=progress,
    )
    print(table(results))
    if results and all(r.error is not None for r in results):
        fail(f"every setting failed on device {device} (first: {results[0].error})")
    if best is None:
        print(
            f"\nNo setting fits a p95 of {args.latency_budget} s with CPU headroom: "
            "raise --latency-budget or use a smaller model."
        )
        return 1
    c = best.candidate
    print(
        f"\nRecommended: --model {c.model} --compute-type {c.compute_type} --threads {c.threads} "
        f"--device {c.device}  (WER {best.wer * 100:.1f}%, p95 {best.p95:.2f} s, {best.rtf:.1f}x real time)"
    )
    refine = recommend_refine(results, best)
    if refine is None:
        print("Refine pass: the live model (no larger model here refines faster than real time and better)")
    else:
        print(
            f"Refine pass: --refine-model {refine.candidate.model}  (WER {refine.wer * 100:.1f}%, "
            f"{refine.rtf:.1f}x real time: it runs in the live model's idle time)"
        )
    if args.save:
        path = config_path()
        settings: dict[str, object] = {
            "model.model": _model_setting(c.model),
            "model.compute_type": c.compute_type,
            "model.threads": c.threads,
            "model.device": c.device,
        }
        if refine is not None:
            settings["refine.model"] = _model_setting(refine.candidate.model)
        save_settings(path, settings)
        if refine is None:  # as printed: the live model refines (an earlier pick would stay on)
            unset_setting(path, "refine.model")
        print(f"saved to {path}")
    return 0


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < math.inf:  # nan fails this too
        raise argparse.ArgumentTypeError(f"must be a number > 0: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="oneup", description="Local real-time sales-call coach: from One-Down to One-Up.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run a recorded call through the live pipeline (headless)")
    r.add_argument(
        "audio", help="call recording: stereo = ch0 rep, ch1 prospect (see --rep-channel); mono = rep only"
    )
    r.add_argument("--prospect", help="the other party as a separate (mono) file")
    r.add_argument(
        "--rep-channel",
        type=int,
        choices=(0, 1),
        default=0,
        help="which channel of a stereo recording is the rep (default 0; the other is the prospect)",
    )
    r.add_argument("--realtime", action="store_true", help="pace the audio at wall-clock speed, like a call")
    _add_out_flags(r)
    add_tuning_flags(r)
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="play the bundled demo call through the real pipeline into the UI")
    d.add_argument("--headless", action="store_true", help="print events as lines instead of the UI")
    d.add_argument("--fast", action="store_true", help="as fast as possible instead of real time")
    _add_out_flags(d)
    add_tuning_flags(d)
    d.set_defaults(func=cmd_demo)

    lv = sub.add_parser("live", help="coach a live call: microphone + system loopback")
    lv.add_argument("--mic", help="microphone: index or name substring (default: the default input)")
    lv.add_argument("--loopback", help="the other party's audio: index or name (omit: rep-only mode)")
    lv.add_argument("--headless", action="store_true", help="print events as lines instead of the UI")
    lv.add_argument("--duration", type=_positive_float, help="stop after S seconds")
    lv.add_argument(
        "--reconnect-s",
        type=_positive_float,
        default=60.0,
        help="wait this long for a lost device or audio server to return before ending (default 60)",
    )
    _add_out_flags(lv)
    add_tuning_flags(lv)
    lv.set_defaults(func=cmd_live)

    c = sub.add_parser("config", help="show the settings, the config file path, or set or unset a value")
    c.add_argument(
        "action",
        choices=("show", "path", "set", "unset"),
        help="show: every setting in effect; path: the config file; set: write KEY = VALUE into it;"
        " unset: remove KEY from it (its default applies again)",
    )
    c.add_argument("key", nargs="?", help="dotted key, e.g. model.threads")
    c.add_argument("value", nargs="?", help="the value, checked before it is written (e.g. 4)")
    c.set_defaults(func=cmd_config)

    b = sub.add_parser("bench", help="measure model settings on this machine and recommend one")
    b.add_argument("--quick", action="store_true", help="fewer settings and repetitions (about a minute)")
    b.add_argument("--models", help="comma-separated: tiny.en, CTranslate2 model dirs, cached names")
    b.add_argument("--latency-budget", type=_positive_float, default=1.5, help="p95 seconds (default 1.5)")
    b.add_argument("--eval", help="folder with manifest.jsonl of audio + reference text")
    b.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where to run the models (default: auto)",
    )
    b.add_argument("--save", action="store_true", help="write the recommendation to the config file")
    b.set_defaults(func=cmd_bench)

    dv = sub.add_parser("devices", help="list input devices and find the loopback source")
    dv.set_defaults(func=cmd_devices)

    review.register(sub)

    classify.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
        return code
    except _user_errors() as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        print("oneup: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `oneup sessions | head`: the reader has gone; nothing to say to it
        silence(sys.stdout)
        return 141
    except OSError as exc:
        # Any path of any command (a recording, --out, --rules, a title, ONEUP_DATA_DIR) may hold a
        # name longer than the file system allows; the first look at it fails, wherever that is.
        if exc.errno != errno.ENAMETOOLONG:
            raise
        name = str(exc.filename or "a path")
        shown = name if len(name) <= 80 else f"{name[:60]}...{name[-16:]}"
        fail(f"{shown}: file name too long (each part of a path may have at most 255 bytes)")


if __name__ == "__main__":
    raise SystemExit(main())
