"""Pure Block Kit builders: DTO in, blocks out. No database, no client."""
