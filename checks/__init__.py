"""Asset checks: Great Expectations suites per source and cross-source reconciliation."""
