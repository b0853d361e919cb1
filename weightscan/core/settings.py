"""One typed settings object, built once from ``WEIGHTSCAN_*`` environment variables.

Nothing else in the service reads ``os.environ``: ``create_app(settings)`` and
``make_celery(settings)`` receive a ``Settings``; tests construct one directly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weightscan.scanner import DEFAULT_LIMITS, ScanLimits

GiB = 1024**3

DEFAULT_MODEL_GLOBS = (
    "*.bin",
    "*.pt",
    "*.pth",
    "*.ckpt",
    "*.pkl",
    "*.pickle",
    "*.joblib",
    "*.npy",
    "*.npz",
    "*.safetensors",
    "*.gguf",
    "*.dat",
    "*.data",
    "*.model",
    "*.h5",
    "*.zip",
    "*.tar",
    "*.gz",
    "*.xz",
    "*.bz2",
    "*.zst",
    "*.lz4",
    "*.7z",
    # model formats read by name, beyond pickles and archives
    "*.onnx",
    "*.pb",
    "*.pbtxt",
    "*.tflite",
    "*.keras",
    "*.hdf5",
    "*.nemo",
    "*.msgpack",
    "*.mlmodel",
    "*.pdmodel",
    "*.pdparams",
    "*.ot",
    "*.xml",
    # repository code that trust_remote_code imports, and every config that names code,
    # templates or files to load (auto_map, chat_template, modules.json, shard indexes,
    # hyperparams.yaml, Hydra configs); chat templates a renderer runs
    "*.py",
    "*.json",
    "*.yaml",
    "*.yml",
    "*.jinja",
    "*.jinja2",
    "*.j2",
)


@dataclass(frozen=True)
class Settings:
    # Where the embedded mode keeps its SQLite database, broker and blobs.
    home: Path = Path("var")
    database_url: str = ""  # default: sqlite under home
    broker_url: str = ""  # default: kombu's SQLAlchemy transport on sqlite under home
    # Blob store: "local" (a directory, shared volume in multi-machine mode) or "s3".
    blob_backend: str = "local"
    blob_dir: Path | None = None  # default: home/blobs
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # any S3-compatible store (MinIO, Ceph...)
    s3_region: str = ""
    s3_prefix: str = "blobs/"
    # Web
    secret_key: str = ""  # signs sessions and CSRF tokens; default: generated under home
    max_upload_bytes: int = 50 * GiB
    # Anonymous use (no token) is an explicit opt-in for local, direct, same-site requests
    # (web/anonymous.py). None ("auto", unset) is off, except that `weightscan serve` in
    # embedded mode on a loopback address turns it on (cli/service.anonymous_default).
    allow_anonymous: bool | None = None
    # Host names (besides loopback ones) an anonymous request may use (web/anonymous.py).
    anonymous_hosts: tuple[str, ...] = ()
    rate_limit: str = "600/minute"  # per client, on the API
    rate_limit_storage_url: str = "memory://"  # redis://... in distributed mode
    public_url: str = ""  # how clients reach us, for links in callbacks
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none; trust
    # no forwarding header). docker-compose puts one nginx in front: 1.
    trusted_proxies: int = 0
    # ?wait long polls one web process holds at once; past this a request answers at once
    # (X-Weightscan-Wait: busy + Retry-After) so long polls cannot take every worker thread.
    max_concurrent_waits: int = 6
    # The longest a ?wait (which accepts up to 60) holds a thread; an unfinished scan is
    # then answered as it is (X-Weightscan-Wait: capped + Retry-After) and the client
    # polls again. 0: never wait.
    max_wait_seconds: int = 10
    # gunicorn: a client that sends nothing of its body for this long loses the request
    # (408), so stalled uploads free their thread (web/slow_clients.py).
    body_read_timeout_seconds: float = 30.0
    metrics_token: str = ""  # empty: /metrics open (bind it to an internal network)
    # Scanning
    limits: ScanLimits = DEFAULT_LIMITS
    extra_allow: tuple[str, ...] = ()  # "module.name" entries added to the import allowlist
    # Worker
    task_soft_time_limit: int = 600  # seconds; the scanner's own budget is limits.max_seconds
    task_time_limit: int = 660  # hard kill
    worker_max_memory_mb: int = 2048  # address-space ceiling for one scan (RLIMIT_AS)
    max_attempts: int = 3  # a file that kills its worker this often ends as "error"
    stale_after_seconds: int = 900  # queued/running longer than this: re-enqueued by the sweeper
    sweep_interval_seconds: int = 60
    worker_concurrency: int = 2
    # Registry integration
    hf_endpoint: str = "https://huggingface.co"
    hf_token: str = ""  # used only towards hf_endpoint's own host
    hf_webhook_secrets: tuple[str, ...] = ()  # several allowed: rotation
    standard_webhook_secrets: tuple[str, ...] = ()  # "whsec_..." base64 secrets; rotation
    webhook_tolerance_seconds: int = 300
    model_file_globs: tuple[str, ...] = DEFAULT_MODEL_GLOBS
    fetch_allowed_hosts: tuple[str, ...] = ("huggingface.co", "*.huggingface.co", "*.hf.co")
    fetch_allow_private: tuple[str, ...] = ()  # addresses/CIDRs allowed despite being private
    fetch_allowed_schemes: tuple[str, ...] = ("https",)
    fetch_max_bytes: int = 50 * GiB
    # bytes one URL/repository group may download in all (listed sizes are summed first)
    group_max_bytes: int = 2048 * GiB
    fetch_timeout_seconds: float = 30.0
    fetch_max_redirects: int = 5
    callback_url: str = ""  # every completed group is POSTed here too
    callback_secret: str = ""  # "whsec_..." signs outgoing callbacks (Standard Webhooks)
    callback_max_attempts: int = 8
    extra: Mapping[str, Any] = field(default_factory=dict)  # room for tests / plugins

    # -- derived values ---------------------------------------------------------------
    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'weightscan.db').resolve()}"

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{(self.home / 'broker.db').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.home / "blobs"

    @property
    def embedded_broker(self) -> bool:
        return self.resolved_broker_url.startswith(("sqla+", "filesystem://", "memory://"))

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def ensure_home(self) -> Path:
        """Create ``home`` private to this user (0700), or make an existing one so: it
        holds the database, the broker's messages, the secret key and uploaded files."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self.home.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            self.home.chmod(0o700)
        return self.home

    def ensure_secret_key(self) -> Settings:
        """A settings object with a secret key: the configured one, or one kept under home."""
        self.ensure_home()
        if self.secret_key:
            return self
        path = self.home / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return self.replace(secret_key=path.read_text().strip())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``WEIGHTSCAN_*`` variables (``env`` defaults to os.environ).

        A value that does not read as its field's type is refused with the variable's
        name: a misspelt ``true`` never quietly becomes False.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"WEIGHTSCAN_{f.name.upper()}")
            if f.name != "limits" and raw is not None:
                values[f.name] = _read(
                    f"WEIGHTSCAN_{f.name.upper()}", cls.field_reader(f.name), raw
                )
        limit_types = typing.get_type_hints(ScanLimits)
        limit_changes = {}
        for f in dataclasses.fields(ScanLimits):
            name = f"WEIGHTSCAN_LIMIT_{f.name.upper()}"
            raw = env.get(name)
            if raw is not None:
                limit_changes[f.name] = _read(name, _READERS[limit_types[f.name]], raw)
        if limit_changes:
            try:
                values["limits"] = DEFAULT_LIMITS.replace(**limit_changes)
            except ValueError as exc:
                names = ", ".join(f"WEIGHTSCAN_LIMIT_{n.upper()}" for n in limit_changes)
                raise SettingsError(f"{names}: {exc}") from None
        return cls(**values)

    @classmethod
    def field_reader(cls, name: str) -> Callable[[str], Any]:
        """How the environment's text for field ``name`` becomes a value of its type."""
        annotation = typing.get_type_hints(cls)[name]
        try:
            return _READERS[annotation]
        except KeyError:
            raise TypeError(f"Settings.{name}: no reader for {annotation!r}") from None


class SettingsError(ValueError):
    """A ``WEIGHTSCAN_*`` variable that does not read as its field's type."""


def _read(variable: str, reader: Callable[[str], Any], raw: str) -> Any:
    try:
        return reader(raw)
    except ValueError as exc:
        raise SettingsError(f"{variable}: cannot read {raw!r}: {exc}") from None


_TRUE, _FALSE, _AUTO = ("1", "true", "yes", "on"), ("0", "false", "no", "off"), ("", "auto")


def _bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected one of {', '.join(_TRUE + _FALSE)}")


def _tristate(raw: str) -> bool | None:
    return None if raw.strip().lower() in _AUTO else _bool(raw)


def _number(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def read(raw: str) -> int | float:
        return kind(raw.strip())

    return read


def _words(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _json_object(raw: str) -> Mapping[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


_READERS: dict[Any, Callable[[str], Any]] = {
    str: str,
    int: _number(int),
    float: _number(float),
    bool: _bool,
    bool | None: _tristate,
    Path: Path,
    Path | None: lambda raw: Path(raw) if raw else None,
    tuple[str, ...]: _words,
    Mapping[str, Any]: _json_object,
}
