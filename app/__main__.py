"""`python -m app`: the same as `matchpath`."""

from app.cli import main

raise SystemExit(main())
