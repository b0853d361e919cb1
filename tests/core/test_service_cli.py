"""``weightscan db|token|rescan`` in process, against a temporary home."""

from __future__ import annotations

import os

import pytest

from weightscan.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("WEIGHTSCAN_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("WEIGHTSCAN_HOME", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def test_token_create_list_revoke(home, capsys):
    from weightscan.core.db import make_engine, make_sessionmaker
    from weightscan.core.tokens import verify_token

    assert main(["token", "create", "--name", "ci", "--scopes", "submit,read"]) == 0
    out = capsys.readouterr()
    secret = out.out.strip()
    engine = make_engine(f"sqlite:///{home / 'weightscan.db'}")
    with make_sessionmaker(engine)() as s:
        token = verify_token(s, secret)
        assert token is not None
        assert token.scopes == ["submit", "read"]
        token_id = token.id
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert token_id in listing
    assert secret not in listing, "the secret is shown once only"
    assert main(["token", "revoke", token_id]) == 0
    assert main(["token", "revoke", token_id]) == 1
    with make_sessionmaker(engine)() as s:
        assert verify_token(s, secret) is None
    engine.dispose()


def test_token_commands_do_not_need_the_web_framework(home):
    """Token storage is core: ``weightscan token`` runs where Flask cannot be imported."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['flask'] = None\n"
        "from weightscan.cli import main\n"
        "assert main(['token', 'create', '--name', 'ci', '--scopes', 'read']) == 0\n"
        "assert main(['token', 'list']) == 0\n"
        "assert 'weightscan.web' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WEIGHTSCAN_HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ws_")


def test_token_create_refuses_unknown_scopes(home, capsys):
    assert main(["token", "create", "--name", "x", "--scopes", "root"]) == 2


def test_rescan_outdated_queues_old_results(home, capsys):
    from tests.core.samples import clean_pickle, submit_bytes
    from weightscan.core.blobstore import LocalBlobStore
    from weightscan.core.db import make_engine, make_sessionmaker
    from weightscan.core.models import Scan

    engine = make_engine(f"sqlite:///{home / 'weightscan.db'}")
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        scan = submit_bytes(s, LocalBlobStore(home / "blobs"), clean_pickle()).scan
        row = s.get(Scan, scan.id)
        row.status, row.verdict = "done", "clean"
        row.engine_version, row.rules_version = "0.0.1", "2000.01.01"
        s.commit()
    assert main(["rescan", "--outdated"]) == 0
    assert "queued 1 rescans" in capsys.readouterr().out
    assert main(["rescan", "--outdated"]) == 0
    assert "queued 0 rescans" in capsys.readouterr().out
    engine.dispose()


def test_db_current_matches_head(home, capsys):
    assert main(["db", "current"]) == 0


def test_a_bad_setting_is_a_message_not_a_traceback(monkeypatch, capsys):
    from weightscan.cli import main

    monkeypatch.setenv("WEIGHTSCAN_ALLOW_ANONYMOUS", "ture")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "WEIGHTSCAN_ALLOW_ANONYMOUS" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("env", "host", "expected"),
    [
        # the README's first command: embedded (SQLite, no Redis) on loopback -> on
        ({}, "127.0.0.1", True),
        ({}, "localhost", True),
        ({}, "::1", True),
        # reachable from elsewhere, or a production (distributed) setup -> off
        ({}, "0.0.0.0", False),
        ({"WEIGHTSCAN_BROKER_URL": "redis://127.0.0.1:6379/0"}, "127.0.0.1", False),
        ({"WEIGHTSCAN_DATABASE_URL": "postgresql://db/ws"}, "127.0.0.1", False),
        # the operator decides, either way
        ({"WEIGHTSCAN_ALLOW_ANONYMOUS": "false"}, "127.0.0.1", False),
        ({"WEIGHTSCAN_ALLOW_ANONYMOUS": "true"}, "0.0.0.0", True),
        ({"WEIGHTSCAN_ALLOW_ANONYMOUS": "auto"}, "127.0.0.1", True),
    ],
)
def test_serve_turns_anonymous_use_on_only_for_the_embedded_default(env, host, expected):
    from weightscan.cli.service import anonymous_default
    from weightscan.core.settings import Settings

    assert anonymous_default(Settings.from_env(env), host) is expected
