"""Closing live capture: each PortAudio stream is stopped once, whichever threads ask.

A fake sounddevice module stands in for PortAudio: these tests are about who stops a stream, not
about sound (tests/e2e/test_live_capture.py captures through a real audio server)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

import audio.capture as capture


class FakeStream:
    stops: ClassVar[list[str]] = []

    def __init__(self, device: int, **_kwargs: Any) -> None:
        self.device = device
        self.stopping = False
        self.overlapped = False

    def start(self) -> None:
        pass

    def stop(self) -> None:
        # PortAudio's stop joins the stream's thread; a second stop while the first is joining
        # joins a thread that is already gone (the quit hung for good in a live run).
        if self.stopping:
            self.overlapped = True
        self.stopping = True
        FakeStream.stops.append(f"stop {self.device}")
        time.sleep(0.3)
        self.stopping = False

    abort = stop

    def close(self) -> None:
        FakeStream.stops.append(f"close {self.device}")


def fake_sounddevice() -> SimpleNamespace:
    devices = [
        {"index": i, "name": n, "hostapi": 0, "default_samplerate": 16000.0, "max_input_channels": 1}
        for i, n in enumerate(("virtual_mic", "virtual_loopback"))
    ]
    return SimpleNamespace(
        default=SimpleNamespace(device=(0, 0)),
        query_hostapis=lambda: [{"name": "ALSA"}],
        query_devices=lambda: devices,
        PortAudioError=OSError,
        RawInputStream=FakeStream,
    )


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> capture.CaptureSource:
    monkeypatch.setattr(capture, "load_sounddevice", fake_sounddevice)
    FakeStream.stops = []
    return capture.CaptureSource("virtual_mic", "virtual_loopback")


def test_a_stop_from_the_ui_while_the_capture_thread_ends_stops_each_stream_once(
    source: capture.CaptureSource,
) -> None:
    """The TUI's q calls ``close`` on the UI thread; the capture thread, seeing the stop, closes
    the streams in its own ``finally`` at the same moment."""
    streams: list[FakeStream] = []
    opened = threading.Event()
    real_open = source._open

    def open_and_note() -> None:
        real_open()
        streams.extend(source._streams.values())
        opened.set()

    source._open = open_and_note  # type: ignore[method-assign]
    consumer = threading.Thread(target=lambda: list(source.frames()))
    consumer.start()
    assert opened.wait(5)
    source.close()  # the UI thread: stops the first stream for 0.3 s while the consumer wakes up
    consumer.join(5)
    assert not consumer.is_alive()
    assert len(streams) == 2 and not any(s.overlapped for s in streams)
    assert sorted(FakeStream.stops) == ["close 0", "close 1", "stop 0", "stop 1"]


def test_closing_twice_in_a_row_is_harmless(source: capture.CaptureSource) -> None:
    source._open()
    source.close()
    source.close()
    assert sorted(FakeStream.stops) == ["close 0", "close 1", "stop 0", "stop 1"]
