"""The ``weightscan`` distribution's command line (the packages are scanner, core, worker, web)."""
