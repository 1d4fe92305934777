"""The floor: event types, configuration, the journal format, the taxonomy and shared formatting.

Everything else in oneup builds on these modules; they import nothing from the
stages (``audio``, ``classifiers``, ``live``), the saved-call code (``calls``),
the UI (``tui``) or the command line (``cli``), and no heavy third-party library.
``tests/core/test_architecture.py`` enforces that.
"""
