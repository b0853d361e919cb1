"""Fixtures: the fake registry servers, a fetch policy that admits only them, and a
recorder of every outgoing TCP connection (none may leave the allowed loopback pair)."""

from __future__ import annotations

import socket

import pytest

from core.fetch import FetchPolicy, parse_networks
from tests.registry.fake_registry import CallbackReceiver, FakeRegistry

ALLOWED_HOSTS = ("127.0.0.1", "127.0.0.2")


@pytest.fixture
def registry():
    reg = FakeRegistry(slow_seconds=2.0)
    yield reg
    reg.close()


@pytest.fixture
def receiver():
    rec = CallbackReceiver()
    yield rec
    rec.close()


@pytest.fixture
def policy(registry) -> FetchPolicy:
    return FetchPolicy(allowed_schemes=("http",), allowed_hosts=ALLOWED_HOSTS,
                       allow_private=parse_networks(ALLOWED_HOSTS), max_bytes=1 << 20,
                       connect_timeout=2.0, read_timeout=1.0, total_timeout=5.0,
                       max_redirects=3, token=registry.token, token_host="127.0.0.1")


@pytest.fixture
def connections(monkeypatch):
    """Every address a TCP connection is opened to; anything off-loopback fails the test."""
    seen: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        host, port = address[0], address[1]
        seen.append((host, port))
        assert str(host).startswith("127."), f"connection attempted to {host}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return seen
