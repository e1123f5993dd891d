"""The archive's encryption: what went in comes out, and any change to the file, a cut
end or a wrong key is refused."""

import io
import os

import pytest

from careloop.backups import crypto
from careloop.backups.crypto import (
    DamagedArchive,
    DecryptingReader,
    EncryptingWriter,
    WrongKey,
)

KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    # Many chunks from a little data, so the chunk boundaries are exercised.
    monkeypatch.setattr(crypto, "CHUNK_BYTES", 1000)


def seal(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key)
    for start in range(0, len(data), 333):
        writer.write(data[start : start + 333])
    writer.close()
    return out.getvalue()


def open_all(sealed: bytes, key: bytes = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(sealed), key)
    data = b""
    while piece := reader.read(777):
        data += piece
    reader.read_to_end()
    return data


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 5432])
def test_what_goes_in_comes_out(size):
    data = os.urandom(size)
    sealed = seal(data)
    assert size < 16 or data not in sealed
    assert open_all(sealed) == data


def test_two_archives_of_the_same_data_differ():
    assert seal(b"same") != seal(b"same")


def test_a_wrong_key_is_told_apart_from_damage():
    sealed = seal(os.urandom(3000))
    with pytest.raises(WrongKey, match="different backup key"):
        open_all(sealed, key=bytes(32))


@pytest.mark.parametrize("cut", [1, 10, 1016, 2000])
def test_a_cut_end_is_refused(cut):
    sealed = seal(os.urandom(3500))
    with pytest.raises(DamagedArchive):
        open_all(sealed[:-cut])


def test_losing_whole_final_chunks_is_refused():
    # Cut exactly at a chunk boundary: every remaining chunk is sound, but none says
    # it is the last.
    sealed = seal(os.urandom(3500))
    one_chunk = 4 + 1000 + crypto.TAG_BYTES
    with pytest.raises(DamagedArchive, match="cut short"):
        open_all(sealed[: crypto.HEADER_BYTES + 2 * one_chunk])


@pytest.mark.parametrize("where", [crypto.HEADER_BYTES + 10, -5, 2500])
def test_a_changed_byte_is_refused(where):
    sealed = bytearray(seal(os.urandom(3500)))
    sealed[where] ^= 0x01
    with pytest.raises(DamagedArchive):
        open_all(bytes(sealed))


def test_swapped_chunks_are_refused():
    sealed = seal(os.urandom(3500))
    one_chunk = 4 + 1000 + crypto.TAG_BYTES
    header, body = sealed[: crypto.HEADER_BYTES], sealed[crypto.HEADER_BYTES :]
    swapped = header + body[one_chunk : 2 * one_chunk] + body[:one_chunk] + body[2 * one_chunk :]
    with pytest.raises(DamagedArchive, match="part 1"):
        open_all(swapped)


def test_data_after_the_end_is_refused():
    with pytest.raises(DamagedArchive, match="extra data"):
        open_all(seal(b"letters") + b"more")


def test_a_changed_salt_is_refused():
    sealed = bytearray(seal(b"letters"))
    sealed[len(crypto.MAGIC) + 2] ^= 0x01
    with pytest.raises(WrongKey):
        open_all(bytes(sealed))


def test_something_else_is_not_an_archive():
    with pytest.raises(DamagedArchive, match="not a Careloop backup"):
        open_all(b"PK\x03\x04 a zip file")
