"""YAML configs that loaders turn into Python imports and calls."""
