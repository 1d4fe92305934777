"""README against the code: the settings block, the tuning flags and the links a user follows.

A review found README drifting from the code (a field list, a default's meaning, file names);
these checks keep the parts that can be read mechanically in step.
"""

from __future__ import annotations

import re
from pathlib import Path

from cli.flags import FLAGS
from core.config import Config, flatten, load_config_file

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _configure_block() -> str:
    section = README.split("## Configure (per machine)", 1)[1]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match, "README's Configure section has no ```toml block"
    return match.group(1)


def test_the_settings_block_shows_the_real_defaults(tmp_path: Path) -> None:
    """Every uncommented line of README's config block is a real key at its real default."""
    path = tmp_path / "config.toml"
    path.write_text(_configure_block(), encoding="utf-8")
    shown = load_config_file(path)
    defaults = flatten(Config())
    assert len(shown) >= 20, "the block lost its settings"
    unknown = sorted(set(shown) - set(defaults))
    assert not unknown, f"README shows keys the config does not have: {unknown}"
    wrong = {k: (v, defaults[k]) for k, v in shown.items() if v != defaults[k]}
    assert not wrong, f"README's value differs from the default (README, code): {wrong}"


def test_the_flags_list_is_the_flag_table() -> None:
    """README's "Flags:" list names exactly the tuning flags of ``cli/flags.py``, in order."""
    match = re.search(r"^Flags: `([^`]*)`", README, re.M)
    assert match, "README has no 'Flags: `...`' list"
    listed = match.group(1).split()
    assert listed == [f.flag for f in FLAGS]


def test_every_local_link_and_named_data_file_exists() -> None:
    targets = re.findall(r"\]\(([^)#\s]+)\)", README)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert local, "README links nothing local (the measurement history at least)"
    missing = [t for t in local if not (ROOT / t).exists()]
    data = set(
        re.findall(r"`(train[\w]*\.jsonl|heldout\.jsonl|calibration\.jsonl|eval_[\w]*\.jsonl)`", README)
    )
    missing += [d for d in sorted(data) if not (ROOT / "classifiers" / "data" / d).exists()]
    assert not missing, f"README points at files that do not exist: {missing}"
