"""reduce converters (being written)."""
