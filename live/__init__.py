"""The call pipeline: source -> VAD -> one model thread -> detector -> journal and events.

``live.compose.build_session`` assembles it; ``live.pipeline.Pipeline`` runs it.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
DEMO_CALL = ASSETS / "demo_call.opus"
"""The demo call shipped with the package (stereo: ch0 rep, ch1 prospect); its script and truth beside it."""
