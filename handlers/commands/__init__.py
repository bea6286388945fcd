"""The `/matchpath` slash command: parsing and one listener per subcommand."""
