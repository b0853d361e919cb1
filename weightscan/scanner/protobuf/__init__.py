"""Bounded protobuf wire-format reading, and the sniff of the protobuf model formats.

weightscan reads ONNX, TensorFlow and CoreML files with its own wire reader instead of
the generated classes of their ``.proto`` files: the scanner installs without protobuf,
onnx or tensorflow, never materialises a message (weights are skipped by length), and
every count, length and nesting level is checked against the file before it is used.
"""
