"""CTranslate2 converted models (``model.bin`` of faster-whisper and other CT2 exports)."""
