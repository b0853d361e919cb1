"""containers analysis."""
