"""HDF5: a minimal, bounded reader for the root group's attributes (never datasets)."""
