"""ONNX models: a bounded walk of ModelProto with weightscan's own protobuf reader."""
