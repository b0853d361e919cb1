"""Database models: files by sha256, scans (single files and groups), findings, tokens,
webhook events and outgoing callback deliveries."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from weightscan.core.db import Base, UTCDateTime, enum_column, utcnow


class ScanStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # a verdict was recorded (which may be "error")
    FAILED = "failed"  # a group/source could not be fetched or expanded at all


class ScanKind(enum.StrEnum):
    FILE = "file"  # one blob
    GROUP = "group"  # a repository revision, URL batch or multi-file upload


class SourceType(enum.StrEnum):
    UPLOAD = "upload"
    URL = "url"
    HUGGINGFACE = "huggingface"
    WEBHOOK = "webhook"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class StoredFile(Base):
    """A blob we hold, keyed by content."""

    __tablename__ = "files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    blob_key: Mapped[str] = mapped_column(String(200))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Scan(Base):
    """One scan: of a file (kind=file) or of a group of files (kind=group)."""

    __tablename__ = "scans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("scn"))
    kind: Mapped[ScanKind] = mapped_column(enum_column(ScanKind), default=ScanKind.FILE)
    status: Mapped[ScanStatus] = mapped_column(enum_column(ScanStatus), default=ScanStatus.QUEUED)
    verdict: Mapped[str | None] = mapped_column(String(16))  # scanner.Verdict value
    group_id: Mapped[str | None] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("files.sha256"))
    filename: Mapped[str | None] = mapped_column(String(1024))  # display only, sanitised
    size: Mapped[int | None] = mapped_column(BigInteger)
    format: Mapped[str | None] = mapped_column(String(32))
    source_type: Mapped[SourceType] = mapped_column(
        enum_column(SourceType), default=SourceType.UPLOAD
    )
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # url, repo, revision, commit...
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # FileReport.summary
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)  # stage, bytes, members
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e.g. {"extra_allow": [...]}
    engine_version: Mapped[str | None] = mapped_column(String(32))
    rules_version: Mapped[str | None] = mapped_column(String(32))
    cached_from: Mapped[str | None] = mapped_column(String(40))  # scan whose result was reused
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    owner_token_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[float | None] = mapped_column(Float)

    findings: Mapped[list[Finding]] = relationship(
        back_populates="scan", cascade="all, delete-orphan", order_by="Finding.ordinal"
    )
    children: Mapped[list[Scan]] = relationship(
        cascade="all, delete-orphan", order_by="Scan.created_at"
    )

    __table_args__ = (
        Index("ix_scans_status_queued_at", "status", "queued_at"),
        Index("ix_scans_file_sha256", "file_sha256"),
        Index("ix_scans_group_id", "group_id"),
        Index("ix_scans_created_at", "created_at"),
    )


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[str] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)

    scan: Mapped[Scan] = relationship(back_populates="findings")


class ApiToken(Base):
    """A bearer token. Only a hash of the secret is stored; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("tok"))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown in listings
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    scopes: Mapped[list[Any]] = mapped_column(default=list)  # "submit", "read", "admin"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Page sessions remember the epoch they were opened in; logout bumps it, so a saved
    # cookie is dead on the server side, not only in the browser that logged out.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WebhookEvent(Base):
    """An accepted incoming webhook delivery; ``dedupe_key`` makes repeats map to one group."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    group_scan_id: Mapped[str | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # scope, repo, ref, sha

    __table_args__ = (UniqueConstraint("provider", "dedupe_key", name="uq_webhook_dedupe"),)


class CallbackDelivery(Base):
    """An outgoing, signed notification about a completed scan or group."""

    __tablename__ = "callback_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("msg"))
    scan_id: Mapped[str] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
