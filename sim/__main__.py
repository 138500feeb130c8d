"""``python -m sim`` is the ``povsim`` command."""

from sim.cli import main

raise SystemExit(main())
