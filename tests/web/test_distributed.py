"""The web side in distributed mode: PostgreSQL database, Redis broker, a real worker
process (required under CI=true; skipped elsewhere when the services are missing)."""

from __future__ import annotations

import hashlib

import pytest
import requests

from tests.web.conftest import clean_pickle, malicious_pickle, running_service

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_upload_wait_lookup_and_readiness_on_postgres_and_redis(
    migrated_postgres, redis_url, tmp_path
):
    env = {"WEIGHTSCAN_DATABASE_URL": migrated_postgres, "WEIGHTSCAN_BROKER_URL": redis_url}
    with running_service(tmp_path, **env) as live:
        data = malicious_pickle("echo distributed")
        r = requests.put(f"{live.url}/api/v1/uploads/evil.pkl?wait=30", data=data, timeout=60)
        assert r.status_code == 200, r.text[:300]
        assert r.json()["verdict"] == "malicious"
        group = requests.post(
            f"{live.url}/api/v1/scans?wait=30",
            timeout=60,
            files=[("file", ("a.pkl", clean_pickle())), ("file", ("b.pkl", data))],
        ).json()
        assert group["status"] == "done"
        assert group["files"][1]["cached"] is True
        digest = hashlib.sha256(data).hexdigest()
        found = requests.get(f"{live.url}/api/v1/files/{digest}", timeout=10).json()
        assert found["last_verdict"] == "malicious"
        ready = requests.get(f"{live.url}/readyz", timeout=10).json()
        assert ready["status"] == "pass", ready
