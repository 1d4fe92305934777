"""The live coaching screen: transcript, nudge, talk balance and status, fed by ``tui.bridge``."""
