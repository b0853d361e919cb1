"""PaddlePaddle inference programs (``*.pdmodel``: a protobuf ProgramDesc)."""
