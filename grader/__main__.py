"""``python -m grader``: see :mod:`grader.cli`."""

from .cli import main

raise SystemExit(main())
