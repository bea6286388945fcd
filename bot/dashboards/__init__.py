"""Mentee dashboards: a living card per mentee in the mentors channel, its thread, the roster."""
