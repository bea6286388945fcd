"""Mentee services: enrolment, profile, items, assignments, milestones, check-ins."""
