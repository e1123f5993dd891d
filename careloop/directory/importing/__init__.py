"""Reading a directory file (CSV, FHIR JSON or FHIR XML) into checked records.

Everything here is pure: bytes in, records and problems out, no database. Matching
against what the practice already has is in `matching.py`, also pure; the write is
`careloop.directory.actions.import_directory`.
"""

from .files import UnreadableFile, read_directory_file
from .records import DoctorRecord, ParsedFile, PracticeRecord, Problem

__all__ = [
    "DoctorRecord",
    "ParsedFile",
    "PracticeRecord",
    "Problem",
    "UnreadableFile",
    "read_directory_file",
]
