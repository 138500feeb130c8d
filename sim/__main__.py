"""``python -m povsim`` is the ``povsim`` command."""

from povsim.cli import main

raise SystemExit(main())
