"""Dagster code location of the Sozialplanung pipeline."""
