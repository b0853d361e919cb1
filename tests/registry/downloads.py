"""Download a URL through the SSRF guard into a file object, as the expansion does
without its temp file: the driver the fetch-guard tests use."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from weightscan.core.fetch import FetchFailed, FetchPolicy, FetchRefused, open_url


@dataclass(frozen=True)
class Download:
    url: str  # final URL after redirects
    size: int
    sha256: str
    hops: tuple[str, ...]


def download_to(
    url: str, policy: FetchPolicy, out: IO[bytes], *, expected_size: int | None = None
) -> Download:
    """Stream ``url`` through the guard into ``out`` while hashing, a listed size enforced
    both ways (what the expansion does, without the temp file)."""
    if expected_size is not None and expected_size > policy.max_bytes:
        raise FetchRefused(f"listed size {expected_size} exceeds {policy.max_bytes} bytes")
    limit = policy.max_bytes if expected_size is None else expected_size
    digest, size = hashlib.sha256(), 0
    with open_url(url, policy) as response:
        for chunk in response.iter_body(limit):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        if expected_size is not None and size != expected_size:
            raise FetchFailed(f"got {size} bytes, the listing says {expected_size}")
        return Download(response.url, size, digest.hexdigest(), tuple(response.hops))
