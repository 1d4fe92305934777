"""The command line: one parser for every ``oneup`` command (``cli.main``), on top of everything else.

No library module imports this package; ``tests/core/test_architecture.py`` checks it.
"""
