"""rnn converters (being written)."""
