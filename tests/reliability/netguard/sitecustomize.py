"""Test harness: block and record every outbound network attempt of this process (AF_UNIX allowed).

Python imports ``sitecustomize`` at start-up from anywhere on its path, so putting this folder on
``PYTHONPATH`` guards a whole ``oneup`` process (and the copy it re-executes). Used by
tests/reliability/test_rel_privacy.py and by scripts/smoke (every command of a fresh install).
``ONEUP_TEST_NET_LOG``: the file each attempt is appended to; ``<it>.loaded`` proves the guard ran.
"""

import json
import os
import socket
from typing import Any, NoReturn

_LOG = os.environ["ONEUP_TEST_NET_LOG"]
with open(_LOG + ".loaded", "a", encoding="utf-8") as _fh:
    _fh.write(f"{os.getpid()}\n")


def _record(what: str, detail: object) -> NoReturn:
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"what": what, "detail": repr(detail), "pid": os.getpid()}) + "\n")
    raise OSError(101, "network blocked by test (oneup must not use the network)")


def _guard(name: str) -> None:
    original = getattr(socket.socket, name)

    def wrapper(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        if self.family != getattr(socket, "AF_UNIX", None):
            _record(name, args)
        return original(self, *args, **kwargs)

    setattr(socket.socket, name, wrapper)


for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    _guard(_name)
socket.create_connection = lambda address, *a, **k: _record("create_connection", address)  # type: ignore[assignment]
socket.getaddrinfo = lambda host, *a, **k: _record("getaddrinfo", host)  # type: ignore[assignment]
socket.gethostbyname = lambda host: _record("gethostbyname", host)  # type: ignore[assignment]
