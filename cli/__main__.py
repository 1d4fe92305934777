"""``python -m cli``: the same as the ``oneup`` command."""

from cli.entry import main

raise SystemExit(main())
