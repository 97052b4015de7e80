"""shape converters (being written)."""
