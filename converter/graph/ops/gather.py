"""gather converters (being written)."""
