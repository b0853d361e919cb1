"""NeMo ``.nemo`` archives: the Hydra ``_target_`` entries of ``model_config.yaml``."""
