"""TensorFlow SavedModel, frozen GraphDef and checkpoint files, read without tensorflow."""
