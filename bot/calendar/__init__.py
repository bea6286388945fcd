"""Calendar feeds: a person's milestones and check-in due dates as iCalendar, at a secret URL."""
