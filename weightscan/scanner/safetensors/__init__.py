"""safetensors analysis."""
