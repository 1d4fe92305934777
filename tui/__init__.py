"""The terminal UI (the only package that imports Textual).

``live/`` is the coaching screen shown during a call, ``review/`` the screen for a
saved call; both are built the same way (an app, its widgets, a help screen) on
``common/``. ``bridge`` + ``messages`` are the one place where pipeline threads
meet the UI: the UI only consumes messages.
"""
