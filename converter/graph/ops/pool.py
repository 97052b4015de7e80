"""pool converters (being written)."""
