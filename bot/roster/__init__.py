"""The JSON roster: a whole programme (admins, mentors, mentees with everything) in one file."""
