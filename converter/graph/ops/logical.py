"""logical converters (being written)."""
