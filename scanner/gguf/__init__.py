"""gguf analysis."""
