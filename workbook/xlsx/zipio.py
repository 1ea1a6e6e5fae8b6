"""Zip container I/O: read the central directory (zip64 aware), copy members as raw bytes and
write replaced members deflated in a second thread."""

from __future__ import annotations

import os
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from queue import Queue
from typing import IO, Final

from .errors import WorkbookNotWritable

_CHUNK: Final = 1 << 20
_EOCD: Final = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR: Final = struct.Struct("<4sLQL")
_ZIP64_EOCD: Final = struct.Struct("<4sQ2H2L4Q")
_CENTRAL: Final = struct.Struct("<4s6H3L5H2L")
_LOCAL: Final = struct.Struct("<4s5H3L2H")


@dataclass
class _Member:
    name: str
    central: bytes  # the raw central-directory record
    offset: int  # of its local header in the source
    end: int  # where its bytes (local header, data, descriptor) end in the source


@dataclass
class _Archive:
    members: list[_Member]
    comment: bytes


def _read_central_directory(raw: IO[bytes]) -> _Archive:
    raw.seek(0, os.SEEK_END)
    size = raw.tell()
    tail_start = max(0, size - 65557)
    raw.seek(tail_start)
    tail = raw.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise zipfile.BadZipFile("no end of central directory")
    _, _, _, _, count, cd_size, cd_offset, comment_len = _EOCD.unpack_from(tail, at)
    comment = tail[at + _EOCD.size : at + _EOCD.size + comment_len]
    locator = at - _ZIP64_LOCATOR.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        _, _, z64_offset, _ = _ZIP64_LOCATOR.unpack_from(tail, locator)
        raw.seek(z64_offset)
        record = raw.read(_ZIP64_EOCD.size)
        if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
            fields = _ZIP64_EOCD.unpack(record)
            count, cd_size, cd_offset = fields[7], fields[8], fields[9]
    raw.seek(cd_offset)
    directory = raw.read(cd_size)
    if len(directory) != cd_size:
        raise zipfile.BadZipFile("truncated central directory")
    members: list[_Member] = []
    position = 0
    for _ in range(count):
        if directory[position : position + 4] != b"PK\x01\x02":
            raise zipfile.BadZipFile("bad central directory record")
        fields = _CENTRAL.unpack_from(directory, position)
        name_len, extra_len, comment_len2 = fields[10], fields[11], fields[12]
        length = _CENTRAL.size + name_len + extra_len + comment_len2
        record = directory[position : position + length]
        name_raw = record[_CENTRAL.size : _CENTRAL.size + name_len]
        name = name_raw.decode("utf-8" if fields[3] & 0x800 else "cp437")
        offset = fields[16]
        if offset == 0xFFFFFFFF:
            offset = _zip64_offset(record, fields)
        members.append(_Member(name, record, offset, 0))
        position += length
    starts = sorted({m.offset for m in members} | {cd_offset})
    following = {start: starts[i + 1] for i, start in enumerate(starts[:-1])}
    for member in members:
        member.end = following[member.offset]
    return _Archive(members, comment)


def _zip64_extra(record: bytes, fields: tuple[int, ...]) -> tuple[int, list[int]]:
    """Position of the zip64 extra block's values in ``record`` and which fields it holds."""
    start = _CENTRAL.size + fields[10]
    end = start + fields[11]
    position = start
    while position + 4 <= end:
        tag, size = struct.unpack_from("<2H", record, position)
        if tag == 1:
            present = []
            if fields[9] == 0xFFFFFFFF:
                present.append(9)
            if fields[8] == 0xFFFFFFFF:
                present.append(8)
            if fields[16] == 0xFFFFFFFF:
                present.append(16)
            return position + 4, present
        position += 4 + size
    raise zipfile.BadZipFile("zip64 offset without zip64 extra field")


def _zip64_offset(record: bytes, fields: tuple[int, ...]) -> int:
    values, present = _zip64_extra(record, fields)
    return int(struct.unpack_from("<Q", record, values + 8 * present.index(16))[0])


def _with_offset(record: bytes, offset: int) -> bytes:
    fields = _CENTRAL.unpack_from(record)
    if fields[16] != 0xFFFFFFFF:
        if offset > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作簿超过 4 GB，不支持")
        return record[:42] + struct.pack("<L", offset) + record[46:]
    values, present = _zip64_extra(record, fields)
    at = values + 8 * present.index(16)
    return record[:at] + struct.pack("<Q", offset) + record[at + 8 :]


def _write_zip(
    raw: IO[bytes],
    out: IO[bytes],
    archive: _Archive,
    replacements: dict[str, Callable[[IO[bytes]], tuple[int, int, int]]],
) -> None:
    """Copy ``archive`` member by member into ``out``; members named in ``replacements`` are
    written by their function (which returns crc, compressed and uncompressed size)."""
    central: list[bytes] = []
    for member in archive.members:
        offset = out.tell()
        write = replacements.get(member.name)
        if write is None:
            raw.seek(member.offset)
            remaining = member.end - member.offset
            while remaining:
                block = raw.read(min(remaining, _CHUNK))
                if not block:
                    raise zipfile.BadZipFile(f"truncated member {member.name}")
                out.write(block)
                remaining -= len(block)
            central.append(_with_offset(member.central, offset))
            continue
        if offset > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作簿超过 4 GB，不支持")
        fields = _CENTRAL.unpack_from(member.central)
        name = member.central[_CENTRAL.size : _CENTRAL.size + fields[10]]
        flags = fields[3] & 0x800
        mtime, mdate = fields[5], fields[6]
        out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, 8, mtime, mdate, 0, 0, 0, len(name), 0))
        out.write(name)
        crc, packed, size = write(out)
        if packed > 0xFFFFFFFE or size > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作表 XML 超过 4 GB，不支持")
        end = out.tell()
        out.seek(offset)
        out.write(
            _LOCAL.pack(b"PK\x03\x04", 20, flags, 8, mtime, mdate, crc, packed, size, len(name), 0)
        )
        out.seek(end)
        extra = _strip_zip64(member.central, fields)
        comment = member.central[_CENTRAL.size + fields[10] + fields[11] :]
        record = _CENTRAL.pack(
            b"PK\x01\x02", fields[1], 20, flags, 8, mtime, mdate, crc, packed, size,
            len(name), len(extra), len(comment), 0, fields[14], fields[15], offset,
        )  # fmt: skip
        central.append(record + name + extra + comment)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    count = len(central)
    if count > 0xFFFE or start > 0xFFFFFFFE:
        raise WorkbookNotWritable("工作簿成员过多或超过 4 GB，不支持")
    comment = archive.comment
    out.write(_EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, len(comment)))
    out.write(comment)


def _strip_zip64(record: bytes, fields: tuple[int, ...]) -> bytes:
    extra = record[_CENTRAL.size + fields[10] : _CENTRAL.size + fields[10] + fields[11]]
    kept = []
    position = 0
    while position + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, position)
        if tag != 1:
            kept.append(extra[position : position + 4 + size])
        position += 4 + size
    return b"".join(kept)


def _deflate_stream(out: IO[bytes], pieces: Iterator[bytes], level: int) -> tuple[int, int, int]:
    """Deflate ``pieces`` into ``out``; returns crc, compressed and uncompressed size.

    Compression and writing run in a second thread (zlib and file writes release the GIL), so
    on two cores they overlap with building the next piece instead of adding to it."""
    queue: Queue[bytes | None] = Queue(maxsize=4)
    totals = [0, 0, 0]  # crc, packed, size
    failure: list[BaseException] = []

    def work() -> None:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        crc = packed = size = 0
        while (piece := queue.get()) is not None:
            if failure:
                continue  # keep draining so the producer never blocks
            try:
                crc = zlib.crc32(piece, crc)
                size += len(piece)
                block = compressor.compress(piece)
                packed += len(block)
                out.write(block)
            except BaseException as error:
                failure.append(error)
        if not failure:
            try:
                block = compressor.flush()
                packed += len(block)
                out.write(block)
            except BaseException as error:
                failure.append(error)
        totals[:] = [crc, packed, size]

    worker = threading.Thread(target=work, name="shoprules-deflate", daemon=True)
    worker.start()
    try:
        for piece in pieces:
            if failure:
                break
            queue.put(piece)
    finally:
        queue.put(None)
        worker.join()
    if failure:
        raise failure[0]
    return totals[0], totals[1], totals[2]
