"""TFLite flatbuffer models: a bounded table walk without the flatbuffers package."""
