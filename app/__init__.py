"""The composition root: the `matchpath` command line and the wiring behind it.

The one package that may import `bot/` (the Slack-free core), `handlers/` (everything that
speaks Slack) and `sandbox/` (the local stand-in for Slack) together; none of them imports it.
The import contracts in pyproject.toml and tests/test_layering.py hold that."""
