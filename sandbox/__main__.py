"""`python -m sandbox`: the same as `matchpath sandbox`."""

from sandbox.cli import main

raise SystemExit(main())
