"""Uploaded documents are recognised by their first bytes, never by their name:
a renamed executable must not pass as a referral letter."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

_SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"II*\x00", "image/tiff", ".tif"),
    (b"MM\x00*", "image/tiff", ".tif"),
]


# Every type a stored document may have (uploads above, HL7 attachments as declared
# and checked by the parser), and the extension its file and download carry.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "text/rtf": ".rtf",
    "text/html": ".html",
}


# What staff see for each type: "PDF", never "application/pdf".
_TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/tiff": "TIFF image",
    "text/rtf": "Word-processor document (RTF)",
    "text/html": "Web page",
}


def type_label(content_type: str) -> str:
    return _TYPE_LABELS.get(content_type, "Other file")


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type, ".bin")


def download_name(sent_name: str, content_type: str, *, default: str = "document") -> str:
    """A file name from the detected type, never the sender's extension: a PDF sent as
    "evil.html" downloads as "evil.pdf". The stem keeps only plain characters, so the
    name is safe in a Content-Disposition header on any system."""
    stem = sent_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[^\w -]+", "-", stem).strip(" -_")[:80]
    return f"{stem or default}{extension_for(content_type)}"


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


def check_document(uploaded: "UploadedFile[bytes]") -> DocumentKind:
    """Check a Django UploadedFile: size first (cheap), then content."""
    size = uploaded.size  # Django's upload handlers always set it
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"The file is {size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1_048_576} MB. Scan at a lower resolution or as PDF."
        )
    if size == 0:
        raise UploadError("The file is empty.")
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    return sniff_document(head)
