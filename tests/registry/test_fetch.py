"""The SSRF guard against real servers: redirects, size lies, slowness, forbidden targets."""

from __future__ import annotations

import hashlib
import io
import ipaddress

import pytest

from tests.registry.downloads import download_to
from tests.registry.fake_registry import FakeRepo
from weightscan.core.fetch import (
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    address_refusal,
    check_url,
    host_allowed,
    open_url,
    parse_networks,
)

WEIGHTS = b"\x00" * 3000 + b"weights"
SMALL = b'{"model_type": "bert"}'


def _repo(registry, **tricks) -> FakeRepo:
    files = {"model.bin": WEIGHTS, "config.json": SMALL}
    files.update({name: WEIGHTS + name.encode() for name in tricks})
    return registry.add_repo(
        FakeRepo("org/fetchy", files=files, lfs={"model.bin", *tricks}, tricks=dict(tricks))
    )


def _url(registry, path: str) -> str:
    repo = registry.repos["org/fetchy"]
    return f"{registry.endpoint}/org/fetchy/resolve/{repo.branches['main']}/{path}"


# -- decisions without any network -----------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("huggingface.co", True),
        ("cdn-lfs.hf.co", True),
        ("x.y.hf.co", True),
        ("hf.co", False),
        ("evilhf.co", False),
        ("huggingface.co.evil.com", False),
        ("HUGGINGFACE.CO.", True),
    ],
)
def test_host_allowlist_exact_and_wildcards(host, allowed):
    assert host_allowed(host, ("huggingface.co", "*.hf.co")) is allowed


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "100.64.0.1",
        "::",
    ],
)
def test_private_and_special_addresses_are_refused(address):
    assert address_refusal(address, ()) is not None


def test_explicitly_allowed_private_address_passes():
    allowed = parse_networks(("127.0.0.1",))
    assert address_refusal("127.0.0.1", allowed) is None
    assert address_refusal("127.0.0.5", allowed) is not None
    assert address_refusal("8.8.8.8", ()) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://huggingface.co/x", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://user:pw@huggingface.co/x", "credentials"),
        ("https://metadata.google.internal/x", "allowlist"),
        ("https://169.254.169.254/latest/meta-data/", "allowlist"),
        ("https://huggingface.co:99999/x", "malformed"),
    ],
)
def test_refused_urls(url, why):
    policy = FetchPolicy(allowed_hosts=("huggingface.co",), resolver=_no_dns)
    with pytest.raises(FetchRefused, match=why):
        check_url(url, policy)


def _no_dns(host, port):
    raise AssertionError("the guard resolved a name it should have refused first")


def test_any_private_address_among_the_resolved_ones_refuses():
    """A name resolving to a public AND a private address (rebinding setup) is refused."""
    policy = FetchPolicy(
        allowed_hosts=("*.hf.co",), resolver=lambda host, port: ["93.184.216.34", "10.0.0.1"]
    )
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.1 is private"):
        check_url("https://cdn-lfs.hf.co/x", policy)


def test_connects_to_the_checked_address_without_resolving_again(registry, policy, connections):
    """The name is resolved once by the guard; the socket goes to that very address."""
    _repo(registry)
    calls = []

    def resolver(host, port):
        calls.append(host)
        return ["127.0.0.1"]

    named = policy.replace(allowed_hosts=("hub.registry.test",), resolver=resolver)
    url = f"http://hub.registry.test:{registry.hub.port}/org/fetchy/resolve/main/config.json"
    with open_url(url, named) as response:
        assert response.read_limited(1000) == SMALL
    assert calls == ["hub.registry.test"]
    assert connections == [("127.0.0.1", registry.hub.port)]
    assert registry.hub.requests()[-1].headers["host"] == f"hub.registry.test:{registry.hub.port}"


# -- against the fake registry -----------------------------------------------------------


def test_redirect_to_cdn_is_followed_and_token_stays_on_the_registry(registry, policy, connections):
    _repo(registry)
    out = io.BytesIO()
    result = download_to(_url(registry, "model.bin"), policy, out, expected_size=len(WEIGHTS))
    assert out.getvalue() == WEIGHTS
    assert result.sha256 == hashlib.sha256(WEIGHTS).hexdigest()
    assert len(result.hops) == 2
    assert result.url.startswith(registry.cdn.base)
    hub_req = registry.hub.requests()[-1]
    cdn_req = registry.cdn.requests()[-1]
    assert hub_req.headers["authorization"] == f"Bearer {registry.token}"
    assert "authorization" not in cdn_req.headers
    assert {addr for addr, _ in connections} == {"127.0.0.1", "127.0.0.2"}


def test_a_caller_cannot_smuggle_a_token_to_the_cdn(registry, policy):
    _repo(registry)
    with open_url(
        _url(registry, "model.bin"), policy, headers={"Authorization": "Bearer stolen"}
    ) as response:
        response.read_limited(1 << 20)
    assert "authorization" not in registry.cdn.requests()[-1].headers


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.0.0.1/admin",
        "http://[::ffff:169.254.169.254]/",
        "gopher://127.0.0.2/",
    ],
)
def test_redirect_to_a_forbidden_address_is_refused_before_connecting(
    registry, policy, connections, target
):
    _repo(registry, **{"evil.bin": f"forbidden:{target}"})
    with pytest.raises(FetchRefused):
        download_to(_url(registry, "evil.bin"), policy, io.BytesIO())
    assert connections == [("127.0.0.1", registry.hub.port)]  # only the hub was contacted


def test_redirect_to_a_loopback_host_off_the_allowlist_never_reaches_it(
    registry, policy, connections
):
    _repo(registry, **{"evil.bin": "outsider"})
    policy = policy.replace(allow_private=parse_networks(("127.0.0.0/8",)))  # even so
    with pytest.raises(FetchRefused, match="not on the allowlist"):
        download_to(_url(registry, "evil.bin"), policy, io.BytesIO())
    assert registry.outsider.requests() == []
    assert all(addr != "127.0.0.3" for addr, _ in connections)


def test_redirect_cap(registry, policy):
    _repo(registry)
    with pytest.raises(FetchRefused, match="redirects"):
        download_to(_url(registry, "model.bin"), policy.replace(max_redirects=0), io.BytesIO())


def test_size_cap_from_content_length_before_reading(registry, policy):
    _repo(registry)
    with pytest.raises(FetchFailed, match="Content-Length"):
        download_to(_url(registry, "model.bin"), policy.replace(max_bytes=100), io.BytesIO())


def test_server_announcing_more_than_it_sends(registry, policy):
    _repo(registry, **{"short.bin": "short"})
    with pytest.raises(FetchFailed, match="shorter"):
        download_to(_url(registry, "short.bin"), policy, io.BytesIO())


def test_server_announcing_less_than_it_sends_is_caught_by_the_listed_size(registry, policy):
    _repo(registry, **{"lying.bin": "cl_small"})
    data = registry.repos["org/fetchy"].files["lying.bin"]
    with pytest.raises(FetchFailed, match="listing says"):
        download_to(_url(registry, "lying.bin"), policy, io.BytesIO(), expected_size=len(data))


def test_body_larger_than_the_listed_size_stops_at_the_listed_size(registry, policy):
    _repo(registry)
    out = io.BytesIO()
    with pytest.raises(FetchFailed, match=r"Content-Length|exceeds"):
        download_to(_url(registry, "model.bin"), policy, out, expected_size=len(WEIGHTS) - 10)
    assert len(out.getvalue()) <= len(WEIGHTS) - 10


def test_slow_server_hits_the_read_timeout(registry, policy):
    _repo(registry, **{"slow.bin": "slow"})
    with pytest.raises(FetchFailed, match="timed out"):
        download_to(_url(registry, "slow.bin"), policy.replace(read_timeout=0.3), io.BytesIO())


def test_slow_server_hits_the_total_deadline(registry, policy):
    _repo(registry, **{"slow.bin": "slow"})
    with pytest.raises(FetchFailed, match="time"):
        download_to(
            _url(registry, "slow.bin"),
            policy.replace(read_timeout=5.0, total_timeout=0.5),
            io.BytesIO(),
        )


def test_dripping_server_hits_the_total_deadline(registry, policy):
    import time

    _repo(registry, **{"drip.bin": "drip"})
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="time"):
        download_to(
            _url(registry, "drip.bin"),
            policy.replace(read_timeout=1.0, total_timeout=0.6),
            io.BytesIO(),
        )
    assert time.monotonic() - started < 1.5


def test_server_dripping_its_headers_hits_the_total_deadline(registry, policy):
    import time

    _repo(registry)
    registry.repos["org/fetchy"].files["hdr.txt"] = b"never sent"
    registry.repos["org/fetchy"].tricks["hdr.txt"] = "drip_headers"
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="total time limit"):
        download_to(
            _url(registry, "hdr.txt"),
            policy.replace(read_timeout=1.0, total_timeout=0.6),
            io.BytesIO(),
        )
    assert time.monotonic() - started < 1.5


def test_non_2xx_is_a_failure_with_its_status(registry, policy):
    _repo(registry)
    with pytest.raises(FetchFailed) as info:
        download_to(_url(registry, "missing.bin"), policy, io.BytesIO())
    assert info.value.status == 404


def test_settings_build_a_policy_that_trusts_only_the_registry_with_the_token():
    from weightscan.core.fetch import policy_from_settings
    from weightscan.core.settings import Settings

    settings = Settings(
        hf_endpoint="https://hub.example.org",
        hf_token="hf_x",
        fetch_allow_private=("127.0.0.1", "10.1.0.0/16"),
    )
    policy = policy_from_settings(settings)
    assert policy.token_host == "hub.example.org"
    assert policy.token == "hf_x"
    assert ipaddress.ip_address("10.1.2.3") in policy.allow_private[1]
    assert policy_from_settings(settings, token="hf_other").token == "hf_other"


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("2002:a00:1::", "6to4"),  # 6to4 around 10.0.0.1
        ("2002:7f00:1::1", "6to4"),  # around 127.0.0.1
        ("2002:808:808::1", "6to4"),  # even around a public address: a relay decides
        ("fec0::1", "site-local"),
        ("64:ff9b::a00:1", "NAT64"),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", "NAT64"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("::a00:1", "IPv4-compatible"),
    ],
)
def test_ipv6_ranges_that_embed_ipv4_are_refused(address, label):
    reason = address_refusal(address, ())
    assert reason is not None, label


def test_an_ordinary_global_ipv6_address_passes():
    assert address_refusal("2606:4700:4700::1111", ()) is None
