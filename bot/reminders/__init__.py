"""Reminders: plan into the delivery ledger, dispatch once, reap what a crash left behind."""
