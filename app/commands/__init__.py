"""The subcommands of `matchpath`, one module per group; each has a `register(sub)`."""
