"""Stagnation and risk flags: their lifecycle (open, snoozed, resolved)."""
