"""Milestone plans built from templates and the season calendar."""
