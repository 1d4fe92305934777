"""``oneup review``: read a saved call (transcript, filters, jumps, search, summary, timeline)."""
