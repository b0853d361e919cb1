"""Containers: zip (PyTorch, TorchScript, npz), compressed streams, tar, 7z/RAR, plain files.

``zip``, ``compressed``, ``archives`` and ``plain`` hold the analyzers
``weightscan.scanner.dispatch`` routes to; ``zipformat``, ``tarformat`` and ``inflate`` are the
bounded readers under them; ``signatures`` holds the byte-level recognisers the sniffer
(``weightscan.scanner.sniff``) uses.
"""
