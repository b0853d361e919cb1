"""UBJSON documents (XGBoost ``.ubj`` models)."""
