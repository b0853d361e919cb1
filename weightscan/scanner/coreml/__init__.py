"""CoreML models: the .mlmodel protobuf spec and an .mlpackage's weight blob file."""
