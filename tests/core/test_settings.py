"""Settings come from WEIGHTSCAN_* variables only, with embedded defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.core.settings import Settings


def test_embedded_defaults_live_under_home(tmp_path):
    s = Settings(home=tmp_path)
    assert s.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'weightscan.db'}"
    assert s.resolved_broker_url.startswith("sqla+sqlite:///")
    assert s.embedded_broker
    assert s.resolved_blob_dir == tmp_path / "blobs"


def test_from_env_reads_typed_values():
    s = Settings.from_env(
        {
            "WEIGHTSCAN_HOME": "/srv/ws",
            "WEIGHTSCAN_DATABASE_URL": "postgresql://db/ws",
            "WEIGHTSCAN_BROKER_URL": "redis://redis:6379/0",
            "WEIGHTSCAN_MAX_ATTEMPTS": "5",
            "WEIGHTSCAN_ALLOW_ANONYMOUS": "false",
            "WEIGHTSCAN_EXTRA_ALLOW": "a.B, c.D",
            "WEIGHTSCAN_LIMIT_MAX_SECONDS": "7.5",
            "UNRELATED": "x",
        }
    )
    assert s.home == Path("/srv/ws")
    assert s.max_attempts == 5
    assert s.allow_anonymous is False
    assert s.extra_allow == ("a.B", "c.D")
    assert s.limits.max_seconds == 7.5
    assert not s.embedded_broker


@pytest.mark.parametrize(
    ("raw", "expected"), [("auto", None), ("", None), ("1", True), ("no", False)]
)
def test_allow_anonymous_tristate(raw, expected):
    assert Settings.from_env({"WEIGHTSCAN_ALLOW_ANONYMOUS": raw}).allow_anonymous is expected


def test_bad_numbers_name_the_variable():
    with pytest.raises(ValueError, match="WEIGHTSCAN_MAX_ATTEMPTS"):
        Settings.from_env({"WEIGHTSCAN_MAX_ATTEMPTS": "many"})


def test_secret_key_is_generated_once_under_home(tmp_path):
    first = Settings(home=tmp_path).ensure_secret_key()
    assert first.secret_key
    assert Settings(home=tmp_path).ensure_secret_key().secret_key == first.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("raw", ["ture", "2", "enabled?"])
def test_a_misspelt_boolean_is_refused_not_read_as_false(raw):
    with pytest.raises(ValueError, match="WEIGHTSCAN_ALLOW_ANONYMOUS"):
        Settings.from_env({"WEIGHTSCAN_ALLOW_ANONYMOUS": raw})


def test_bad_limits_name_the_variable():
    with pytest.raises(ValueError, match="WEIGHTSCAN_LIMIT_MAX_SECONDS"):
        Settings.from_env({"WEIGHTSCAN_LIMIT_MAX_SECONDS": "soon"})
    with pytest.raises(ValueError, match="WEIGHTSCAN_LIMIT_MAX_FINDINGS"):
        Settings.from_env({"WEIGHTSCAN_LIMIT_MAX_FINDINGS": "-3"})


def test_extra_is_read_as_a_json_object():
    s = Settings.from_env({"WEIGHTSCAN_EXTRA": '{"bind_host": "127.0.0.1"}'})
    assert s.extra == {"bind_host": "127.0.0.1"}
    with pytest.raises(ValueError, match="WEIGHTSCAN_EXTRA"):
        Settings.from_env({"WEIGHTSCAN_EXTRA": "[1, 2]"})


def test_every_field_can_be_set_from_the_environment():
    import dataclasses

    # A field whose type the reader does not know would be silently kept as a string.
    for f in dataclasses.fields(Settings):
        if f.name != "limits":
            Settings.field_reader(f.name)  # raises TypeError for an unsupported annotation
