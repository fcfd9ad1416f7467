"""Landing files -> typed tables; bad rows go to quarantine with a reason, never dropped."""
