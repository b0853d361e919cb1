"""msgpack files as Flax writes them (``flax.serialization.to_bytes``)."""
