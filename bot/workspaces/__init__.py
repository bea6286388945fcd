"""The workspaces a database serves: the registry, Slack's installations, and their schemas."""
