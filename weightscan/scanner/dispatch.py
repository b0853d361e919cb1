"""Route a source to the analyzer for its sniffed format, and fail closed.

This is the one place where an analyzer's unexpected exception is caught: it becomes a
``scanner.internal-error`` finding (verdict ``error``), a ``LimitExceeded`` becomes a
``limits.*`` finding, a stray ``MalformedInput`` a ``format.malformed`` finding. Nothing
escapes as a traceback, and nothing that was not fully analysed comes out ``clean``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from weightscan.scanner.analyzers import ANALYZERS, Analyzer
from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput, UnsupportedFormat
from weightscan.scanner.formats import Format
from weightscan.scanner.source import Source


def _load(fmt: Format) -> Analyzer:
    loader = ANALYZERS.get(fmt)
    if loader is None:
        raise UnsupportedFormat(fmt.value)
    return loader()


def sniff(source: Source) -> Format:
    from weightscan.scanner.sniff import sniff_format

    return sniff_format(source)


def analyze(source: Source, ctx: ScanContext, fmt: Format | None = None) -> Format:
    """Sniff (unless ``fmt`` is given) and analyse ``source``; returns the format used.

    Whatever the format, a file that also unpickles from its first byte is analysed as a
    pickle too: the standard unpickler, torch.load and joblib.load read any file that way.
    And a pickle that is all text gets the text checks: YAML and template loaders read it
    by name.
    """
    sniffed = fmt is None
    if fmt is None:
        fmt = sniff(source)
    ctx.set_format(fmt.value)
    _guarded(source, ctx, fmt, lambda src, c: _load(fmt)(src, c))
    if fmt not in _PICKLE_READ and not (sniffed and fmt in _SNIFF_PROBED):
        _guarded(source, ctx, fmt, _also_as_pickle)
    if fmt is Format.PICKLE:
        _guarded(source, ctx, fmt, _also_as_text)
    return fmt


def _also_as_text(source: Source, ctx: ScanContext) -> None:
    from weightscan.scanner.containers.plain import also_as_text

    also_as_text(source, ctx)


# Formats already read as a pickle from offset 0 by their own analyzer.
_PICKLE_READ = frozenset({Format.PICKLE, Format.PYTORCH_LEGACY, Format.EMPTY})
# Classes the sniffer gives only after the same offset-0 probe found no pickle.
_SNIFF_PROBED = frozenset({Format.TEXT, Format.OTHER, Format.UNKNOWN})


# A first protocol-0 line longer than this is not followed through a file another format
# claims (a safetensors file whose length byte is "V" would otherwise be read whole).
_MAX_FOLLOWED_LINE = 64 << 20


def _also_as_pickle(source: Source, ctx: ScanContext) -> None:
    from weightscan.scanner.pickle.probe import reaches_import

    found = reaches_import(source, max_line=_MAX_FOLLOWED_LINE)
    if found is None:
        ctx.report(
            "limits.resource",
            "the first bytes also start a pickle text line longer "
            f"than {_MAX_FOLLOWED_LINE} bytes; the file was not read as a pickle past it",
            evidence={"resource": "pickle line", "limit": _MAX_FOLLOWED_LINE},
        )
    elif found:
        ctx.report(
            "archive.polyglot",
            "the file also unpickles from its first byte, as "
            "the standard unpickler reads any file; analysed as a pickle too",
        )
        analyze_nested(source, ctx, "<as pickle>", Format.PICKLE)


def _guarded(source: Source, ctx: ScanContext, fmt: Format, analyzer: Analyzer) -> None:
    """Run one analyzer; whatever stops it becomes a finding (fail closed)."""
    try:
        ctx.check_time()
        analyzer(source, ctx)
    except LimitExceeded as exc:
        rule_id = "limits.time" if exc.resource == "time" else "limits.resource"
        ctx.report(
            rule_id,
            f"analysis stopped: {exc}",
            offset=exc.offset,
            evidence={"resource": exc.resource, "limit": exc.limit},
        )
    except MalformedInput as exc:
        ctx.report("format.malformed", f"{fmt.value}: {exc.reason}", offset=exc.offset)
    except UnsupportedFormat as exc:
        ctx.report("format.unrecognized", f"no analyzer for {exc}")
    except RecursionError:
        ctx.report(
            "limits.resource",
            "analysis stopped: structure nested too deeply",
            evidence={"resource": "recursion"},
        )
    except MemoryError:
        ctx.report(
            "limits.resource", "analysis stopped: out of memory", evidence={"resource": "memory"}
        )
    except Exception as exc:  # fail closed: any bug becomes verdict "error"
        ctx.report(
            "scanner.internal-error",
            f"the scanner failed on this content: {type(exc).__name__}: {exc}"[:500],
            evidence={"exception": type(exc).__name__},
        )


_HASHED_REGION_MAX = 256 << 10  # small members are recognised by content, large ones by place


def region_key(source: Source, fmt: Format | None) -> tuple[Any, ...]:
    """What identifies these bytes for "analysed already": their content when small
    (copies made by decompression or spooling are equal), else their place in the file."""
    forced = None if fmt is None else fmt.value
    if source.size <= _HASHED_REGION_MAX:
        return ("content", hashlib.sha256(source.head(source.size)).digest(), forced)
    return ("place", *source.region, forced)


def analyze_nested(
    source: Source, ctx: ScanContext, member_name: str, fmt: Format | None = None
) -> Format | None:
    """Analyse a container member in a child context, within the nesting limit.

    ``fmt`` forces the format (e.g. a torch zip's ``data.pkl`` is a pickle whatever its
    bytes look like); by default the member is sniffed.
    """
    child = ctx.child(member_name)
    region = region_key(source, fmt)
    regions = ctx.state.regions
    if region in regions:
        # The same bytes were analysed already (identical or overlapping members, an
        # archive holding itself): their findings stand, and re-walking them would only
        # multiply work. What their analysis decompressed still counts against the
        # budget, so a 42.zip-style bomb is reported as one, without the work.
        child.note("analysed", "same bytes as an earlier member")
        try:
            ctx.charge_decompressed(regions[region])
        except LimitExceeded as exc:
            child.report(
                "limits.resource",
                f"analysis stopped: {exc}",
                evidence={"resource": exc.resource, "limit": exc.limit},
            )
        return None
    regions[region] = 0
    if child.depth > ctx.limits.max_nesting_depth:
        child.report(
            "limits.nesting",
            f"not opened: nested deeper than {ctx.limits.max_nesting_depth} levels",
            evidence={"limit": ctx.limits.max_nesting_depth},
        )
        return None
    before = ctx.state.decompressed_bytes
    used = analyze(source, child, fmt)
    regions[region] = ctx.state.decompressed_bytes - before
    return used
