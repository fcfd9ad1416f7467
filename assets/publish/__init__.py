"""Publishing: disclosure control, then the analysts' DuckDB file swapped in atomically."""
