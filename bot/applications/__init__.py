"""A mentee's saved programme list and the season's applications, from plan to Match Day."""
