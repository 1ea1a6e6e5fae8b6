"""Read and write compound files ([MS-CFB] version 3: 512-byte sectors, 64-byte mini sectors).

:func:`read` turns a file into a tree of :class:`Entry` (storages with children, streams with
their bytes; names, CLSIDs, state bits and timestamps kept); :func:`write` lays the tree out anew:
directory, miniFAT, mini stream, large streams, then the FAT, every chain contiguous, each
storage's children in a red-black tree sorted the CFB way (shorter name first, then upper-case
code units). Writing is deterministic: the same tree gives the same bytes.

>>> root = Entry("Root Entry", ROOT, children=[Entry("a", STREAM, data=b"x" * 100)])
>>> again = read(write(root))
>>> [(c.name, len(c.data)) for c in again.children]
[('a', 100)]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

__all__ = ["ROOT", "STORAGE", "STREAM", "CfbError", "Entry", "read", "write"]

SIGNATURE: Final = bytes.fromhex("D0CF11E0A1B11AE1")
STORAGE: Final = 1
STREAM: Final = 2
ROOT: Final = 5
FREESECT: Final = 0xFFFFFFFF
ENDOFCHAIN: Final = 0xFFFFFFFE
FATSECT: Final = 0xFFFFFFFD
DIFSECT: Final = 0xFFFFFFFC
NOSTREAM: Final = 0xFFFFFFFF
SECTOR: Final = 512
MINI_SECTOR: Final = 64
MINI_CUTOFF: Final = 4096
_HEADER_DIFAT: Final = 109
_ENTRY: Final = 128
_RED, _BLACK = 0, 1


class CfbError(ValueError):
    """Not a compound file this module can read or write."""


@dataclass
class Entry:
    """A storage (``children``) or stream (``data``) of a compound file."""

    name: str
    kind: int
    data: bytes = b""
    children: list[Entry] = field(default_factory=list)
    clsid: bytes = bytes(16)
    state_bits: int = 0
    created: int = 0
    modified: int = 0

    def child(self, name: str) -> Entry:
        """The child called ``name`` (case-insensitive, like CFB)."""
        for c in self.children:
            if c.name.upper() == name.upper():
                return c
        raise KeyError(name)

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Entry]]:
        """``(path, entry)`` for every descendant, paths joined with ``/``."""
        for c in self.children:
            path = f"{prefix}{c.name}"
            yield path, c
            yield from c.walk(path + "/")


def _u16(b: bytes, at: int) -> int:
    return int.from_bytes(b[at : at + 2], "little")


def _u32(b: bytes, at: int) -> int:
    return int.from_bytes(b[at : at + 4], "little")


def _chain(fat: list[int], start: int) -> list[int]:
    out: list[int] = []
    sid = start
    while sid != ENDOFCHAIN:
        if sid >= len(fat) or len(out) > len(fat):
            raise CfbError(f"broken sector chain from {start}")
        out.append(sid)
        sid = fat[sid]
    return out


def _read_fat(blob: bytes, size: int) -> list[int]:
    """The file allocation table: the header's DIFAT, then the DIFAT sector chain."""

    def sector(sid: int) -> bytes:
        return blob[(sid + 1) * size : (sid + 2) * size]

    fat_sectors = [_u32(blob, 76 + 4 * i) for i in range(_HEADER_DIFAT)]
    difat = _u32(blob, 68)
    while difat not in (ENDOFCHAIN, FREESECT):
        data = sector(difat)
        fat_sectors += [_u32(data, 4 * i) for i in range(size // 4 - 1)]
        difat = _u32(data, size - 4)
    fat: list[int] = []
    for sid in fat_sectors:
        if sid == FREESECT:
            continue
        data = sector(sid)
        fat += [_u32(data, 4 * i) for i in range(size // 4)]
    return fat


def read(blob: bytes) -> Entry:
    """The root storage of the compound file ``blob``."""
    if blob[:8] != SIGNATURE:
        raise CfbError("not a compound file (bad signature)")
    size = 1 << _u16(blob, 30)
    mini = 1 << _u16(blob, 32)
    cutoff = _u32(blob, 56)

    def sector(sid: int) -> bytes:
        return blob[(sid + 1) * size : (sid + 2) * size]

    fat = _read_fat(blob, size)

    def stream(start: int, length: int) -> bytes:
        return b"".join(sector(s) for s in _chain(fat, start))[:length]

    directory = stream(_u32(blob, 48), 1 << 62)
    raw = [directory[i : i + _ENTRY] for i in range(0, len(directory), _ENTRY)]
    if not raw or raw[0][66] != ROOT:
        raise CfbError("first directory entry is not the root")
    minifat_bytes = stream(_u32(blob, 60), 1 << 62) if _u32(blob, 64) else b""
    minifat = [_u32(minifat_bytes, i) for i in range(0, len(minifat_bytes), 4)]
    ministream = stream(_u32(raw[0], 116), _u32(raw[0], 120))

    def entry(sid: int, seen: set[int]) -> Entry:
        if sid in seen or sid >= len(raw):
            raise CfbError(f"directory entry {sid} repeats or does not exist")
        seen.add(sid)
        e = raw[sid]
        name_length = _u16(e, 64)
        kind = e[66]
        result = Entry(
            name=e[: max(name_length - 2, 0)].decode("utf-16-le"),
            kind=kind,
            clsid=e[80:96],
            state_bits=_u32(e, 96),
            created=int.from_bytes(e[100:108], "little"),
            modified=int.from_bytes(e[108:116], "little"),
        )
        start, length = _u32(e, 116), _u32(e, 120)
        if kind == STREAM:
            if length < cutoff:
                chain = _chain(minifat, start) if length else []
                result.data = b"".join(ministream[s * mini : (s + 1) * mini] for s in chain)[
                    :length
                ]
            else:
                result.data = stream(start, length)
        elif kind in (STORAGE, ROOT):
            result.children = [entry(s, seen) for s in _in_order(raw, _u32(e, 76))]
        else:
            raise CfbError(f"directory entry {sid} has unknown type {kind}")
        return result

    return entry(0, set())


def _in_order(raw: list[bytes], top: int) -> list[int]:
    """Sibling ids of a storage's red-black tree, in tree order."""
    out: list[int] = []
    stack: list[int] = []
    sid = top
    while stack or sid != NOSTREAM:
        while sid != NOSTREAM:
            if len(stack) > len(raw):
                raise CfbError("directory tree has a cycle")
            stack.append(sid)
            sid = _u32(raw[sid], 68)
        sid = stack.pop()
        out.append(sid)
        sid = _u32(raw[sid], 72)
    return out


def _key(name: str) -> tuple[int, str]:
    """CFB sibling order: shorter names first, then code units compared upper-cased."""
    return len(name.encode("utf-16-le")), name.upper()


def _name_field(name: str) -> tuple[bytes, int]:
    encoded = name.encode("utf-16-le")
    if len(encoded) > 62 or any(ch in name for ch in "/\\:!"):
        raise CfbError(f"invalid entry name {name!r}")
    return (encoded + b"\x00\x00").ljust(64, b"\x00"), len(encoded) + 2


def _number(root: Entry) -> tuple[list[Entry], dict[int, list[int]]]:
    """Directory ids: root first, then each storage's children in sorted order, depth first."""
    entries: list[Entry] = []
    links: dict[int, list[int]] = {}  # [left, right, child, color] per id

    def number(e: Entry) -> int:
        sid = len(entries)
        entries.append(e)
        links[sid] = [NOSTREAM, NOSTREAM, NOSTREAM, _BLACK]
        return sid

    def place(e: Entry, sid: int) -> None:
        if e.kind == STREAM:
            return
        kids = sorted(e.children, key=lambda c: _key(c.name))
        if len({_key(c.name) for c in kids}) != len(kids):
            raise CfbError(f"duplicate names under {e.name!r}")
        ids = [number(c) for c in kids]
        links[sid][2] = _tree(ids, links)
        for c, cid in zip(kids, ids, strict=True):
            place(c, cid)

    if root.kind != ROOT:
        raise CfbError("the tree's top must be the root entry")
    place(root, number(root))
    return entries, links


def _mini_layout(
    entries: list[Entry],
) -> tuple[bytearray, list[int], dict[int, tuple[int, int]], list[int]]:
    """Mini stream: the streams under the cutoff, in directory order; the rest go big."""
    ministream = bytearray()
    minifat: list[int] = []
    starts: dict[int, tuple[int, int]] = {}  # id -> (start sector, size)
    big: list[int] = []
    for sid, e in enumerate(entries):
        if e.kind != STREAM:
            continue
        if not e.data:
            starts[sid] = (ENDOFCHAIN, 0)
        elif len(e.data) < MINI_CUTOFF:
            first = len(minifat)
            count = -(-len(e.data) // MINI_SECTOR)
            minifat += [*range(first + 1, first + count), ENDOFCHAIN]
            ministream += e.data.ljust(count * MINI_SECTOR, b"\x00")
            starts[sid] = (first, len(e.data))
        else:
            big.append(sid)
    return ministream, minifat, starts, big


def _directory(
    entries: list[Entry],
    links: dict[int, list[int]],
    starts: dict[int, tuple[int, int]],
    dir_count: int,
) -> bytearray:
    """The directory sectors: one 128-byte entry per id, padded with unused entries."""
    directory = bytearray()
    for sid, e in enumerate(entries):
        name, name_length = _name_field(e.name)
        left, right, child, color = links[sid]
        start, length = starts.get(sid, (0, 0))
        directory += name + name_length.to_bytes(2, "little")
        directory += bytes([e.kind, color])
        directory += b"".join(x.to_bytes(4, "little") for x in (left, right, child))
        directory += e.clsid + e.state_bits.to_bytes(4, "little")
        directory += e.created.to_bytes(8, "little") + e.modified.to_bytes(8, "little")
        directory += start.to_bytes(4, "little") + length.to_bytes(8, "little")
    unused = bytes(64) + bytes(4) + NOSTREAM.to_bytes(4, "little") * 3 + bytes(_ENTRY - 80)
    while len(directory) < dir_count * SECTOR:
        directory += unused
    return directory


def write(root: Entry) -> bytes:
    """The compound file (version 3) holding ``root``'s tree."""
    entries, links = _number(root)
    ministream, minifat, starts, big = _mini_layout(entries)

    def sectors(length: int) -> int:
        return -(-length // SECTOR)

    dir_count = sectors(len(entries) * _ENTRY)
    minifat_count = sectors(len(minifat) * 4)
    mini_count = sectors(len(ministream))
    data_count = dir_count + minifat_count + mini_count
    data_count += sum(sectors(len(entries[sid].data)) for sid in big)
    fat_count = 1
    while fat_count * (SECTOR // 4) < data_count + fat_count:
        fat_count += 1
    if fat_count > _HEADER_DIFAT:
        raise CfbError("file too large for a header-only DIFAT")

    fat: list[int] = []
    body = bytearray()

    def allocate(data: bytes, count: int) -> int:
        first = len(fat)
        if count == 0:
            return ENDOFCHAIN
        fat.extend([*range(first + 1, first + count), ENDOFCHAIN])
        body.extend(data.ljust(count * SECTOR, b"\x00"))
        return first

    dir_at = len(fat)
    fat.extend([*range(dir_at + 1, dir_at + dir_count), ENDOFCHAIN])
    body.extend(bytes(dir_count * SECTOR))  # filled in below
    minifat_bytes = b"".join(x.to_bytes(4, "little") for x in minifat)
    minifat_bytes += FREESECT.to_bytes(4, "little") * (minifat_count * SECTOR // 4 - len(minifat))
    minifat_at = allocate(minifat_bytes, minifat_count)
    mini_at = allocate(bytes(ministream), mini_count)
    for sid in big:
        data = entries[sid].data
        starts[sid] = (allocate(data, sectors(len(data))), len(data))
    fat_at = len(fat)
    fat.extend([FATSECT] * fat_count)
    fat += [FREESECT] * (fat_count * SECTOR // 4 - len(fat))
    body.extend(b"".join(x.to_bytes(4, "little") for x in fat))
    starts[0] = (mini_at, len(minifat) * MINI_SECTOR) if minifat else (ENDOFCHAIN, 0)

    body[dir_at * SECTOR : (dir_at + dir_count) * SECTOR] = _directory(
        entries, links, starts, dir_count
    )

    difat = [fat_at + i for i in range(fat_count)] + [FREESECT] * (_HEADER_DIFAT - fat_count)
    header = bytearray(SIGNATURE + bytes(16))
    header += (0x003E).to_bytes(2, "little") + (3).to_bytes(2, "little")
    header += (0xFFFE).to_bytes(2, "little") + (9).to_bytes(2, "little")
    header += (6).to_bytes(2, "little") + bytes(6)
    header += (0).to_bytes(4, "little") + fat_count.to_bytes(4, "little")
    header += dir_at.to_bytes(4, "little") + (0).to_bytes(4, "little")
    header += MINI_CUTOFF.to_bytes(4, "little")
    header += (minifat_at if minifat_count else ENDOFCHAIN).to_bytes(4, "little")
    header += minifat_count.to_bytes(4, "little")
    header += ENDOFCHAIN.to_bytes(4, "little") + (0).to_bytes(4, "little")
    header += b"".join(x.to_bytes(4, "little") for x in difat)
    return bytes(header) + bytes(body)


def _tree(ids: list[int], links: dict[int, list[int]]) -> int:
    """Link ``ids`` (already sorted) as a balanced red-black tree; the root id.

    Splitting at the middle fills every level but the last, so colouring the nodes of an
    incomplete last level red and all others black keeps equal black heights and no red-red
    edge.
    """
    if not ids:
        return NOSTREAM
    depth_of: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        sid = ids[mid]
        depth_of[sid] = depth
        links[sid][0] = build(lo, mid, depth + 1)
        links[sid][1] = build(mid + 1, hi, depth + 1)
        return sid

    top = build(0, len(ids), 0)
    deepest = max(depth_of.values())
    full = len(ids) == (1 << (deepest + 1)) - 1
    for sid, depth in depth_of.items():
        links[sid][3] = _RED if depth == deepest and not full else _BLACK
    return top
