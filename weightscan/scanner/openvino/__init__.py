"""OpenVINO IR models: ``openvino_model.xml`` (the graph) and ``openvino_model.bin``."""
