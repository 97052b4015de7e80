"""resize converters (being written)."""
