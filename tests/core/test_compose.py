"""docker-compose.yml (issue 12): one-shot and beat containers do not inherit the web
health check, gunicorn's processes share their metrics, and clients can reach only the
buffering proxy, which is the one source of X-Forwarded-For the app trusts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_jobs_without_http_have_no_web_healthcheck(services: dict[str, Any]) -> None:
    for name in ("migrate", "beat"):
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_gunicorn_processes_share_metrics(services: dict[str, Any]) -> None:
    web = services["web"]
    directory = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert directory in web["tmpfs"]  # empty at every start, as prometheus_client needs
    assert web["environment"]["WEIGHTSCAN_HOME"] == "/data"  # the shared env still merged


def test_only_the_proxy_is_published(services: dict[str, Any]) -> None:
    web = services["web"]
    assert "ports" not in web
    assert "--forwarded-allow-ips" not in web["command"]
    assert web["environment"]["WEIGHTSCAN_TRUSTED_PROXIES"] == "1"
    assert services["proxy"]["ports"] == ["8000:8080"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # replaced, not appended
    assert "proxy_request_buffering on;" in conf
    assert "client_body_timeout" in conf


def test_the_production_stack_requires_tokens(services: dict[str, Any]) -> None:
    # behind the proxy every request reaches gunicorn from a local socket: never anonymous
    for name in ("web", "worker", "migrate"):
        assert services[name]["environment"]["WEIGHTSCAN_ALLOW_ANONYMOUS"] == "false", name


def test_every_setting_of_the_stack_reads(services: dict[str, Any]) -> None:
    from weightscan.core.settings import Settings

    env = {
        k: str(v)
        for k, v in services["web"]["environment"].items()
        if k.startswith("WEIGHTSCAN_") and "${" not in str(v)
    }
    settings = Settings.from_env(env)  # a typo would be refused here, not at deploy time
    assert settings.allow_anonymous is False
    assert settings.max_wait_seconds <= 10
