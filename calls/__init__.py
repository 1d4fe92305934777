"""Saved calls: read journals (``store``), render the transcript and reports, replay the detector."""
