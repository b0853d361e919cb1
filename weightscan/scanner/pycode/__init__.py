"""Python source that ``trust_remote_code=True`` imports: parsed with ``ast``, never run."""
