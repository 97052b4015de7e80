"""norm converters (being written)."""
