"""Uploaded documents are recognised by their first bytes, never by their name:
a renamed executable must not pass as a referral letter."""

from dataclasses import dataclass

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

_SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"II*\x00", "image/tiff", ".tif"),
    (b"MM\x00*", "image/tiff", ".tif"),
]


class UploadError(ValueError):
    pass


@dataclass(frozen=True)
class DocumentKind:
    content_type: str
    extension: str


def sniff_document(head: bytes) -> DocumentKind:
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return DocumentKind(content_type, extension)
    raise UploadError(
        "Only PDF, PNG, JPEG or TIFF files can be attached; this file is none of those."
    )


def check_document(uploaded) -> DocumentKind:
    """Check a Django UploadedFile: size first (cheap), then content."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"The file is {uploaded.size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1_048_576} MB. Scan at a lower resolution or as PDF."
        )
    if uploaded.size == 0:
        raise UploadError("The file is empty.")
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    return sniff_document(head)
