"""Word-vector files: fastText ``.bin``/``.ftz`` and word2vec binaries."""
