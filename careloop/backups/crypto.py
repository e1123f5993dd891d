"""Encryption of a backup archive, streamed in chunks so that a database of any size
passes through in constant memory.

The file is a header and a run of chunks. Each chunk is at most 1 MiB of plaintext,
sealed with AES-256-GCM (from `cryptography`) under a key derived for this archive alone
(HKDF-SHA256 of the backup key and the header's random salt). The nonce is the chunk's
number and a flag marking the last chunk (the STREAM construction), and the header is
authenticated with every chunk. So a changed byte, a swapped, dropped or repeated chunk,
a cut-off end and bytes added after the end are each refused, and a wrong key is told
apart from a damaged archive by a check value in the header.

    header  = b"CLBACKUP" | version (1 byte) | salt (16) | key check (16)
    chunk   = ciphertext length (4 bytes, big-endian) | AES-GCM ciphertext and tag
"""

from __future__ import annotations

import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"CLBACKUP"
VERSION = 1
SALT_BYTES = 16
CHECK_BYTES = 16
HEADER_BYTES = len(MAGIC) + 1 + SALT_BYTES + CHECK_BYTES
CHUNK_BYTES = 1 << 20
TAG_BYTES = 16
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the person running it."""


class WrongKey(BackupError):
    pass


class DamagedArchive(BackupError):
    pass


def _derive(key: bytes, salt: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=salt, info=b"careloop-backup-v1 " + purpose
    ).derive(key)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A file-like object to write plaintext into; `close()` seals the last chunk.
    It does not close the file underneath."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        salt = os.urandom(SALT_BYTES)
        self._out = out
        self._header = (
            MAGIC + bytes([VERSION]) + salt + _derive(key, salt, b"key check", CHECK_BYTES)
        )
        self._aead = AESGCM(_derive(key, salt, b"data", 32))
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed backup archive")
        self._buffer += data
        # A chunk leaves only once more data follows it, so that the last one is known.
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._closed = True
        self._out.flush()

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), plaintext, self._header)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1


class DecryptingReader:
    """A file-like object that reads the plaintext back, chunk by chunk, refusing a
    chunk that fails its check the moment it is reached."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._source = source
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise DamagedArchive("This is not a Careloop backup archive (its header is wrong).")
        version = header[len(MAGIC)]
        if version != VERSION:
            raise BackupError(
                f"This archive is in backup format {version}; this Careloop reads format "
                f"{VERSION}. Restore it with the Careloop version that made it."
            )
        salt = header[len(MAGIC) + 1 : len(MAGIC) + 1 + SALT_BYTES]
        check = header[len(MAGIC) + 1 + SALT_BYTES :]
        if not hmac.compare_digest(check, _derive(key, salt, b"key check", CHECK_BYTES)):
            raise WrongKey(
                "This archive was made with a different backup key: set CARELOOP_BACKUP_KEY "
                "to the key that was in use when it was made."
            )
        self._header = header
        self._aead = AESGCM(_derive(key, salt, b"data", 32))
        self._counter = 0
        self._buffer = b""
        self._position = 0
        self._finished = False

    def read(self, size: int = -1) -> bytes:
        while not self._finished and (size < 0 or len(self._buffer) - self._position < size):
            self._open_next_chunk()
        if size < 0:
            size = len(self._buffer) - self._position
        data = self._buffer[self._position : self._position + size]
        self._position += len(data)
        return data

    def read_to_end(self) -> None:
        """Read and check every remaining chunk, to the archive's sealed end."""
        while not self._finished:
            self._open_next_chunk()

    def _open_next_chunk(self) -> None:
        prefix = self._source.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            raise DamagedArchive(
                "The archive is cut short: its end is missing (an incomplete copy?)."
            )
        (length,) = _LENGTH.unpack(prefix)
        if length < TAG_BYTES or length > CHUNK_BYTES + TAG_BYTES:
            raise DamagedArchive(f"The archive is damaged at part {self._counter + 1}.")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise DamagedArchive(
                "The archive is cut short: its end is missing (an incomplete copy?)."
            )
        plaintext = None
        for last in (False, True):
            try:
                plaintext = self._aead.decrypt(_nonce(self._counter, last), sealed, self._header)
            except InvalidTag:
                continue
            self._finished = last
            break
        if plaintext is None:
            raise DamagedArchive(
                f"The archive has been altered or damaged: part {self._counter + 1} fails its "
                "check. Nothing was restored from it."
            )
        self._counter += 1
        if self._finished and self._source.read(1):
            raise DamagedArchive("The archive has extra data after its end: it has been altered.")
        self._buffer = self._buffer[self._position :] + plaintext
        self._position = 0
