"""Domain stages of the Sozialplanung pipeline (ingest, indicators, publish)."""
