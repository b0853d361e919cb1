"""Pre-GGUF ggml model files (llama.cpp ``ggml``/``ggmf``/``ggjt``, whisper.cpp ``ggml``)."""
