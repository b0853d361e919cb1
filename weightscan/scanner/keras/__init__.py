"""Keras models: the ``.keras`` zip's config.json and the Keras 2 HDF5 ``model_config``."""
