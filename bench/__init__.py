"""`make bench`: scale benchmark of the pipeline (see bench/README.md)."""
