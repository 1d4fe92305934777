"""Where oneup keeps its files: the sessions folder and the config file (both overridable).

``platformdirs`` gives the per-OS locations; the environment variables win so
tests, CI and users with unusual setups can point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "oneup"


def data_dir() -> Path:
    """The sessions folder: ``ONEUP_DATA_DIR``, else the user data folder's ``sessions``."""
    env = os.environ.get("ONEUP_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "sessions"


def config_path() -> Path:
    """The per-machine config file: ``ONEUP_CONFIG``, else the user config folder's ``config.toml``."""
    env = os.environ.get("ONEUP_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def not_regular(path: Path) -> bool:
    """``path`` exists and is no regular file (a folder, a FIFO, a device such as /dev/zero): it is
    neither read to its end (it may have none) nor truncated or made private."""
    return path.exists() and not path.is_file()


def same_file(a: Path, b: Path) -> bool:
    """``a`` and ``b`` are one file on disk (also through a hard or symbolic link); False when
    either does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
