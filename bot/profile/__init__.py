"""The mentee profile as a file format and as the assessment's input."""
