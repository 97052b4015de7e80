"""linear converters (being written)."""
