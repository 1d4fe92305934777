"""TOML parsing in one place: ``tomllib`` on Python 3.11+, the ``tomli`` backport on 3.10."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # Python 3.10: same API, declared as a dependency for this version only (pyproject.toml)
    import tomli as _toml

TOMLDecodeError = _toml.TOMLDecodeError
"""Raised for invalid TOML; its message names the line and column."""


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text into nested dicts (raises ``TOMLDecodeError``)."""
    return _toml.loads(text)
