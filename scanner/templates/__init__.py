"""templates analysis."""
