"""Live capture from sound cards: the rep's microphone and the system loopback.

``sounddevice`` is imported only here, and only when a command needs a sound
card, so files and the demo work on machines without PortAudio. The PortAudio
callback only copies the block and enqueues it; resampling from the device's
native rate (once, with PyAV) and framing happen in the consumer thread.
"""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import av
import numpy as np

from core.events import SAMPLE_RATE, AudioFrame, EndReason, Speaker

STALL_S = 2.0
"""No audio from an active stream for this long means the device or server is gone."""
RETRY_S = 1.0
"""While the device is gone, try to reopen it this often."""
_LOOPBACK_HINTS = re.compile(
    r"monitor|loopback|blackhole|soundflower|stereo mix|what u hear|wave out|vb-audio|cable output",
    re.IGNORECASE,
)


class CaptureError(Exception):
    """A sound card problem, phrased for the user in one line."""


def load_sounddevice() -> ModuleType:
    """Import sounddevice with a clear message when PortAudio is missing."""
    try:
        import sounddevice
    except OSError:
        raise CaptureError(
            "PortAudio library not found: install it (Debian/Ubuntu: apt-get install libportaudio2; "
            "macOS: brew install portaudio)"
        ) from None
    return sounddevice


@dataclass(frozen=True, slots=True)
class Device:
    index: int
    name: str
    hostapi: str
    default_rate: int
    channels: int
    is_default: bool
    likely_loopback: bool


def list_input_devices(sd: ModuleType | None = None) -> list[Device]:
    sd = sd or load_sounddevice()
    try:
        default_in = sd.default.device[0]
        apis = [a["name"] for a in sd.query_hostapis()]
        devices = sd.query_devices()
    except sd.PortAudioError as exc:
        raise CaptureError(f"cannot list audio devices: {exc}") from None
    return [
        Device(
            index=d["index"],
            name=d["name"],
            hostapi=apis[d["hostapi"]],
            default_rate=int(d["default_samplerate"]),
            channels=d["max_input_channels"],
            is_default=d["index"] == default_in,
            likely_loopback=bool(_LOOPBACK_HINTS.search(d["name"])),
        )
        for d in devices
        if d["max_input_channels"] > 0
    ]


def resolve_device(spec: str | None, devices: list[Device], role: str) -> Device:
    """DEV is an index or a case-insensitive name substring; None = the default input."""
    if not devices:
        raise CaptureError("no audio input devices: is PulseAudio/PipeWire running? (see 'oneup devices')")
    if spec is None:
        for d in devices:
            if d.is_default:
                return d
        raise CaptureError(f"no default {role} device: pass --{role} DEV (see 'oneup devices')")
    if spec.isdigit():
        for d in devices:
            if d.index == int(spec):
                return d
        raise CaptureError(f"no input device with index {spec} (see 'oneup devices')")
    exact = [d for d in devices if d.name.lower() == spec.lower()]
    matches = exact or [d for d in devices if spec.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(f"[{d.index}] {d.name}" for d in (matches or devices))
    if not matches:
        raise CaptureError(f"no input device matching {spec!r}; available: {names}")
    raise CaptureError(f"{spec!r} matches several devices ({names}); use the index")


class _Resampler:
    """Native-rate int16 mono -> 16 kHz int16 mono, streaming (one resampler per channel)."""

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._rs = (
            None if rate == SAMPLE_RATE else av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        )
        self._pts = 0

    def __call__(self, block: np.ndarray) -> np.ndarray:
        if self._rs is None:
            return block
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self._rate
        frame.pts = self._pts
        self._pts += block.size
        out = [f.to_ndarray().reshape(-1) for f in self._rs.resample(frame)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)


class CaptureSource:
    """Two input streams (mic = rep, loopback = prospect) as one ``AudioSource``."""

    def __init__(
        self,
        mic: str | None,
        loopback: str | None,
        duration_s: float | None = None,
        reconnect_s: float = 60.0,
    ) -> None:
        self._sd = load_sounddevice()
        devices = list_input_devices(self._sd)
        self._devices: dict[Speaker, Device] = {"rep": resolve_device(mic, devices, "mic")}
        if loopback is not None:
            lb = resolve_device(loopback, devices, "loopback")
            if lb.index == self._devices["rep"].index:
                raise CaptureError("--mic and --loopback are the same device")
            self._devices["prospect"] = lb
        self.rep_only = "prospect" not in self._devices
        self.name = " + ".join(f"{s}: {d.name}" for s, d in self._devices.items())
        self.duration_s = duration_s
        self.reconnect_s = reconnect_s
        """How long to wait for a lost device (or audio server) to come back before ending the call."""
        self._notices: queue.Queue[str] = queue.Queue()
        self.overflows = 0
        self.end_reason: EndReason | None = None
        self.end_detail = ""
        self._queue: queue.Queue[tuple[Speaker, bytes]] = queue.Queue()
        self._stop = threading.Event()
        self._streams: dict[Speaker, Any] = {}
        self._streams_lock = threading.Lock()
        self._started = threading.Event()

    @property
    def devices(self) -> dict[Speaker, Device]:
        return dict(self._devices)

    def _callback(self, speaker: Speaker) -> Any:
        q = self._queue

        def callback(indata: Any, _frames: int, _time: Any, status: Any) -> None:
            if status.input_overflow:
                self.overflows += 1
            q.put((speaker, bytes(indata)))  # copy and enqueue: nothing else on the audio thread

        return callback

    def take_notices(self) -> list[str]:
        """Messages for the user since the last call (device lost / back)."""
        out = []
        while not self._notices.empty():
            out.append(self._notices.get_nowait())
        return out

    def _reopen(self) -> bool:
        """Re-read PortAudio's device list (it is read once at start) and open the same devices by name."""
        sd = self._sd
        sd._terminate()
        sd._initialize()
        try:
            devices = list_input_devices(sd)
            self._devices = {s: resolve_device(d.name, devices, s) for s, d in self._devices.items()}
            self._open()
        except CaptureError:
            return False
        return True

    def _bridge(self, samples: dict[Speaker, int], silent_since: float) -> Iterator[AudioFrame]:
        """The device is gone: keep call time running with silence while trying to reopen it."""
        self.close_streams(abort=True)
        self._notices.put("audio input lost: reconnecting…")
        block = SAMPLE_RATE // 50
        silence = bytes(2 * block)
        lost_at = time.monotonic()
        for _ in range(int((lost_at - silent_since) * 50)):  # the stall itself, at once
            for speaker in samples:
                yield AudioFrame(speaker, silence, samples[speaker] / SAMPLE_RATE)
                samples[speaker] += block
        next_try = lost_at + RETRY_S
        tick = lost_at
        while not self._stop.is_set() and time.monotonic() - lost_at < self.reconnect_s:
            if self.duration_s is not None and min(samples.values()) / SAMPLE_RATE >= self.duration_s:
                self.end_reason = EndReason.DURATION_REACHED
                return
            tick += block / SAMPLE_RATE
            if self._stop.wait(max(0.0, tick - time.monotonic())):
                return
            for speaker in samples:
                yield AudioFrame(speaker, silence, samples[speaker] / SAMPLE_RATE)
                samples[speaker] += block
            if time.monotonic() >= next_try:
                next_try = time.monotonic() + RETRY_S
                if self._reopen():
                    self._notices.put("audio input is back")
                    return
        self.end_reason = EndReason.DEVICE_LOST
        self.end_detail = f"no audio for {self.reconnect_s:.0f} s"

    def _open(self) -> None:
        sd = self._sd
        for speaker, dev in self._devices.items():
            try:
                stream = sd.RawInputStream(
                    device=dev.index,
                    samplerate=dev.default_rate,
                    channels=1,
                    dtype="int16",
                    blocksize=dev.default_rate // 50,  # 20 ms
                    callback=self._callback(speaker),
                )
                stream.start()
            except (sd.PortAudioError, ValueError) as exc:
                self.close()
                busy = "busy" in str(exc).lower() or "unavailable" in str(exc).lower()
                hint = " (device busy: another program may hold it)" if busy else ""
                raise CaptureError(f"cannot open {speaker} device {dev.name!r}: {exc}{hint}") from None
            with self._streams_lock:
                self._streams[speaker] = stream

    def wait_until_capturing(self, timeout: float = 5.0) -> bool:
        """True once audio has arrived from every stream (tests start playback after this)."""
        return self._started.wait(timeout)

    def close(self) -> None:
        self._stop.set()
        self.close_streams()

    def close_streams(self, *, abort: bool = False) -> None:
        """Stop and release the streams, each once. ``abort``: for a stream whose device or server is
        gone. PortAudio's ALSA stop waits for its callback thread to finish on its own, and that
        thread can stay stuck waiting for frames from a dead server ("PaAlsaStream_WaitForFrames
        failed"): the likely cause of the one hang in 24 logged runs of the server-restart test
        (inferred from its stderr, not seen in a stack). Abort cancels the thread.

        Once: the UI's quit calls ``close`` on its own thread while the capture thread, seeing the
        stop, closes the streams in ``frames``' ``finally``. Both stopped the same stream at once;
        a stop joins the stream's thread, and the second join waited for good on a thread the first
        had already joined (a live call's quit hung at "saving the journal", its journal without a
        summary; seen in gdb, Dec 5). Whoever takes the streams first closes them."""
        with self._streams_lock:
            streams, self._streams = self._streams, {}
        for stream in streams.values():
            try:
                if abort:
                    stream.abort()
                else:
                    stream.stop()
                stream.close()
            except self._sd.PortAudioError:
                pass  # the device is already gone; nothing left to release

    def frames(self) -> Iterator[AudioFrame]:
        self._open()
        resample = {s: _Resampler(d.default_rate) for s, d in self._devices.items()}
        samples = dict.fromkeys(self._devices, 0)
        seen: set[Speaker] = set()
        last_audio = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    speaker, raw = self._queue.get(timeout=0.25)
                except queue.Empty:
                    if time.monotonic() - last_audio > STALL_S:
                        yield from self._bridge(samples, last_audio)
                        if self.end_reason is not None or self._stop.is_set():
                            return
                        resample = {s: _Resampler(d.default_rate) for s, d in self._devices.items()}
                        last_audio = time.monotonic()
                    continue
                last_audio = time.monotonic()
                if speaker not in seen:
                    seen.add(speaker)
                    if len(seen) == len(self._devices):
                        self._started.set()
                block = resample[speaker](np.frombuffer(raw, dtype="<i2"))
                if not block.size:
                    continue
                start = samples[speaker] / SAMPLE_RATE
                samples[speaker] += block.size
                yield AudioFrame(speaker, block.astype("<i2").tobytes(), start)
                if self.duration_s is not None and min(samples.values()) / SAMPLE_RATE >= self.duration_s:
                    self.end_reason = EndReason.DURATION_REACHED
                    return
        finally:
            self.close()


def loopback_help() -> str:
    """How to get the other party's audio on this OS, for 'oneup devices'."""
    if sys.platform == "darwin":
        return (
            "macOS: install BlackHole (brew install blackhole-2ch), make a Multi-Output Device with your "
            "speakers + BlackHole in Audio MIDI Setup, then use --loopback BlackHole"
        )
    if sys.platform.startswith("win"):
        return (
            "Windows: enable 'Stereo Mix' in Sound settings > Recording, or install VB-Audio Cable, "
            "then use --loopback 'Stereo Mix' (or 'CABLE Output')"
        )
    text = (
        "Linux (PulseAudio/PipeWire): the other party's audio is the monitor of your output device. "
        "Expose it to PortAudio with an ALSA PCM in ~/.asoundrc:\n"
        '    pcm.oneup_loopback { type pulse device "<OUTPUT>.monitor" }\n'
        "then use --loopback oneup_loopback."
    )
    if shutil.which("pactl"):
        try:
            out = subprocess.run(
                ["pactl", "list", "short", "sources"], capture_output=True, text=True, timeout=3, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        monitors = [line.split("\t")[1] for line in out.splitlines() if ".monitor" in line]
        if monitors:
            text += "\n  monitor sources found: " + ", ".join(monitors)
    return text
