"""Rules reported by the container analyzers (zip, tar, compressed streams, plain files)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_ZIP_DIFF = (
    "PyTorch reads zips with its own tolerant reader (miniz); scanners built on Python's "
    "strict zipfile used to crash or skip such members while torch.load ran them."
)

RULES: tuple[Rule, ...] = (
    # -- zip structure ------------------------------------------------------------------
    Rule(
        "zip.local-header-mismatch",
        Severity.MEDIUM,
        "A zip member's local header disagrees with its central directory entry",
        "Name, method, flags, sizes or CRC differ between the two copies of a member's "
        "header: readers that trust one or the other see different content. " + _ZIP_DIFF,
        ("CVE-2025-1944",),
    ),
    Rule(
        "zip.bad-local-header",
        Severity.MEDIUM,
        "A central directory entry points at no valid local header",
        "The member's data cannot be located the way loaders locate it; its content is unknown.",
    ),
    Rule(
        "zip.flag-bits",
        Severity.MEDIUM,
        "A zip member sets unusual general-purpose flag bits",
        "Reserved, strong-encryption or patch bits are never set by model writers; they "
        "break strict readers while tolerant loaders ignore them. " + _ZIP_DIFF,
        ("CVE-2025-1945",),
    ),
    Rule(
        "zip.encrypted",
        Severity.MEDIUM,
        "A zip member is marked encrypted",
        "The member was analysed as if plain, the way PyTorch reads it; if it really is "
        "encrypted its content is unknown. " + _ZIP_DIFF,
        ("CVE-2025-1945",),
    ),
    Rule(
        "zip.crc-mismatch",
        Severity.MEDIUM,
        "A zip member's CRC-32 does not match its content",
        "Strict readers refuse the member while tolerant loaders still unpickle it; a "
        "wrong CRC in a model file is an evasion attempt or corruption. " + _ZIP_DIFF,
        ("CVE-2025-10156",),
    ),
    Rule(
        "zip.size-mismatch",
        Severity.MEDIUM,
        "A zip member's declared size differs from its actual size",
        "Readers that trust the declared size see a different byte range than readers "
        "that trust the stream; a crafted size is a classic parser differential.",
    ),
    Rule(
        "zip.unreferenced-entry",
        Severity.MEDIUM,
        "A local file entry is not listed in the central directory",
        "Streaming readers walk local headers and see members that directory-based "
        "readers (and scanners) never list: a place to hide a payload.",
    ),
    Rule(
        "zip.hidden-data",
        Severity.MEDIUM,
        "Bytes in the zip belong to no member",
        "Data before the first member or between members is ignored by zip readers but "
        "read by other loaders (a pickle in front still runs when unpickled): a polyglot.",
    ),
    Rule(
        "zip.zip64-disagreement",
        Severity.MEDIUM,
        "The ZIP64 end records point at two different central directories",
        "miniz (torch.load) follows the ZIP64 locator's offset, Python's zipfile "
        "(numpy.load for .npz, most tools) reads the record next to the locator: when they "
        "differ, each reader sees another archive. Both directories were analysed.",
    ),
    Rule(
        "zip.duplicate-name",
        Severity.MEDIUM,
        "Two zip members have the same name",
        "Readers disagree on which copy they return (first, last, or by binary search), "
        "so a scanner may check one copy while the loader reads the other.",
    ),
    Rule(
        "zip.overlapping-members",
        Severity.MEDIUM,
        "Zip members share or overlap their data",
        "No archiver writes overlapping members; overlap is how non-recursive zip bombs "
        "multiply a small kernel into terabytes.",
        ("https://www.bamsoftware.com/hacks/zipbomb/",),
    ),
    Rule(
        "zip.bomb",
        Severity.MEDIUM,
        "A zip member decompresses beyond the allowed ratio",
        "Decompression was stopped at the ratio limit; what was produced before was still "
        "analysed, the rest of the member is unknown.",
    ),
    Rule(
        "zip.too-many-members",
        Severity.MEDIUM,
        "The zip has more members than the limit",
        "Members past the limit were not analysed; their content is unknown.",
    ),
    Rule(
        "zip.unsupported-method",
        Severity.MEDIUM,
        "A zip member uses a compression method weightscan does not decode",
        "The member's content could not be analysed.",
    ),
    Rule(
        "zip.truncated",
        Severity.MEDIUM,
        "The zip structure points past the end of the file",
        "A truncated or lying archive: part of its declared content does not exist.",
    ),
    # -- PyTorch / TorchScript zips ----------------------------------------------------------
    Rule(
        "torch.storage-hides-content",
        Severity.MEDIUM,
        "A tensor storage member starts like a pickle, zip or compressed stream",
        "Storages are raw tensor bytes that torch.load never unpickles; a storage that is "
        "itself a pickle or archive is a payload hidden from scanners that skip storages.",
    ),
    Rule(
        "torch.storage-bomb",
        Severity.MEDIUM,
        "A tensor storage is compressed far beyond any real tensor",
        "torch.save stores records uncompressed; torch.load inflates a compressed storage to "
        "its declared size, so gigabytes of zeros deflated into a small file exhaust the "
        "loader's memory. The storage's content past its head was not analysed.",
    ),
    Rule(
        "torch.missing-data-pkl",
        Severity.MEDIUM,
        "A zip laid out like a PyTorch checkpoint has no data.pkl",
        "Its pickles live under other names, where scanners that look only for data.pkl "
        "miss them; every member was analysed by content instead.",
    ),
    Rule(
        "torchscript.code",
        Severity.INFO,
        "TorchScript code files",
        "TorchScript archives carry source that the TorchScript runtime (not Python) runs; "
        "listed so it can be reviewed.",
    ),
    Rule(
        "torchscript.suspicious-op",
        Severity.MEDIUM,
        "TorchScript code calls a file or process operation",
        "TorchScript runs only registered operators, but file reads and writes through "
        "them are not something a model needs.",
    ),
    # -- generic archives -----------------------------------------------------------------
    Rule(
        "archive.unopenable",
        Severity.MEDIUM,
        "An archive format weightscan cannot open",
        "The content of 7z and RAR archives is unknown to weightscan; the nullifAI "
        "campaign shipped malicious PyTorch models as 7z to dodge pickle scanners.",
        (
            "https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face",
        ),
    ),
    Rule(
        "archive.path-traversal",
        Severity.HIGH,
        "An archive member name climbs out of the extraction directory",
        "A `../` member name writes outside the target directory when extracted (zip slip): "
        "an exploit against the unpacking code, never found in a genuine model file.",
        ("CVE-2007-4559", "https://security.snyk.io/research/zip-slip-vulnerability"),
    ),
    Rule(
        "archive.absolute-path",
        Severity.MEDIUM,
        "An archive member name is an absolute path",
        "Naive extractors write absolute names where they point; model archives never need them.",
    ),
    Rule(
        "archive.link",
        Severity.MEDIUM,
        "An archive holds a symbolic or hard link",
        "Links let later members or later readers reach files outside the archive.",
        ("CVE-2007-4559",),
    ),
    Rule(
        "archive.special-member",
        Severity.MEDIUM,
        "An archive holds a device, FIFO or sparse member",
        "No model file needs special files; their content is not analysed.",
    ),
    Rule(
        "archive.too-many-members",
        Severity.MEDIUM,
        "The archive has more members than the limit",
        "Members past the limit were not analysed; their content is unknown.",
    ),
    Rule(
        "archive.trailing-data",
        Severity.MEDIUM,
        "Bytes follow the end of the archive",
        "tar readers stop at the end-of-archive marker and never see what follows, while "
        "other readers of the same file do: a place to hide a payload. It was analysed.",
    ),
    Rule(
        "archive.polyglot",
        Severity.MEDIUM,
        "The file is valid as two formats at once",
        "A loader choosing the other format sees other content; both views were analysed.",
    ),
    # -- compressed streams ----------------------------------------------------------------
    Rule(
        "compressed.truncated",
        Severity.MEDIUM,
        "A compressed stream is truncated or corrupt",
        "What was decompressed before the break was analysed; the rest is unknown. Broken "
        "streams are used to make scanners give up while loaders have already run the "
        "payload at the front.",
        (
            "https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face",
        ),
    ),
    Rule(
        "compressed.bomb",
        Severity.MEDIUM,
        "A compressed stream expands beyond the allowed ratio",
        "Decompression was stopped at the ratio limit; what was produced was analysed, "
        "the rest is unknown.",
    ),
    Rule(
        "compressed.trailing-data",
        Severity.MEDIUM,
        "Bytes follow the end of a compressed stream",
        "Decompressors stop at the end of the stream and ignore what follows, so data "
        "there is hidden from them but not from other readers.",
    ),
    Rule(
        "compressed.size-mismatch",
        Severity.MEDIUM,
        "A compressed stream's declared size differs from its content",
        "The header lies about the payload size, a parser differential between readers.",
    ),
    # -- plain files -----------------------------------------------------------------------
    Rule(
        "format.other",
        Severity.INFO,
        "A recognised non-model file (image, document, tokenizer model)",
        "Content that model loaders do not execute; noted so a repository report lists every file.",
    ),
    Rule(
        "format.text-binary",
        Severity.MEDIUM,
        "A file that starts as text continues with binary data",
        "Text up front makes a file look harmless to scanners that read only its head.",
    ),
)
