"""The VBA project's ``dir``, ``PROJECT`` and ``PROJECTwm`` streams ([MS-OVBA] 2.3.4, 2.3.1,
2.3.3): read the module list and add a source-only procedural module.

The decompressed ``dir`` stream is a run of records ``Id (u16) Size (u32) Data[Size]``; the only
exception is PROJECTVERSION (0x0009), whose Size field says 4 but 6 bytes follow. Records are
kept as they are, so unchanged records serialise byte for byte.

>>> records = parse_dir(bytes.fromhex("0f00020000000100") + bytes.fromhex("100000000000"))
>>> [(r.id, r.data) for r in records]
[(15, b'\\x01\\x00'), (16, b'')]
>>> serialise_dir(records).hex()
'0f00020000000100100000000000'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from . import cfb, ovba

__all__ = [
    "Module",
    "ProjectError",
    "Record",
    "add_module_to_dir",
    "add_module_to_project",
    "add_module_to_projectwm",
    "add_source_modules",
    "code_page",
    "module_source",
    "modules",
    "parse_dir",
    "serialise_dir",
]

PROJECTCODEPAGE: Final = 0x0003
PROJECTVERSION: Final = 0x0009
PROJECTMODULES: Final = 0x000F
DIR_TERMINATOR: Final = 0x0010
MODULENAME: Final = 0x0019
MODULESTREAMNAME: Final = 0x001A
MODULESTREAMNAMEUNICODE: Final = 0x0032
MODULEDOCSTRING: Final = 0x001C
MODULEDOCSTRINGUNICODE: Final = 0x0048
MODULEHELPCONTEXT: Final = 0x001E
MODULETYPE_PROCEDURAL: Final = 0x0021
MODULETYPE_DOCUMENT: Final = 0x0022
MODULECOOKIE: Final = 0x002C
MODULE_TERMINATOR: Final = 0x002B
MODULEOFFSET: Final = 0x0031
MODULENAMEUNICODE: Final = 0x0047


class ProjectError(ValueError):
    """A ``dir``/``PROJECT`` stream this module cannot read or extend."""


@dataclass(frozen=True)
class Record:
    """One ``dir`` record. ``size`` is the Size field (differs from ``len(data)`` only for
    PROJECTVERSION)."""

    id: int
    size: int
    data: bytes

    def to_bytes(self) -> bytes:
        return self.id.to_bytes(2, "little") + self.size.to_bytes(4, "little") + self.data


@dataclass(frozen=True)
class Module:
    """A module as the ``dir`` stream describes it."""

    name: str
    stream_name: str
    offset: int
    procedural: bool


def _record(id_: int, data: bytes) -> Record:
    return Record(id_, len(data), data)


def parse_dir(data: bytes) -> list[Record]:
    """The records of a decompressed ``dir`` stream, in order."""
    records = []
    pos = 0
    while pos < len(data):
        if pos + 6 > len(data):
            raise ProjectError(f"dir: truncated record at byte {pos}")
        id_ = int.from_bytes(data[pos : pos + 2], "little")
        size = int.from_bytes(data[pos + 2 : pos + 6], "little")
        length = 6 if id_ == PROJECTVERSION else size
        if pos + 6 + length > len(data):
            raise ProjectError(f"dir: record 0x{id_:04X} at byte {pos} runs past the end")
        records.append(Record(id_, size, data[pos + 6 : pos + 6 + length]))
        pos += 6 + length
    if not records or records[-1].id != DIR_TERMINATOR:
        raise ProjectError("dir: no terminator record")
    return records


def serialise_dir(records: list[Record]) -> bytes:
    """The records as a decompressed ``dir`` stream."""
    return b"".join(r.to_bytes() for r in records)


def code_page(records: list[Record]) -> str:
    """The project's code page as a Python codec name (``cp1252`` for most projects)."""
    for r in records:
        if r.id == PROJECTCODEPAGE:
            return f"cp{int.from_bytes(r.data, 'little')}"
    raise ProjectError("dir: no PROJECTCODEPAGE record")


def modules(records: list[Record]) -> list[Module]:
    """The modules the ``dir`` stream lists, in order."""
    encoding = code_page(records)
    found: list[Module] = []
    name = stream = ""
    offset = -1
    procedural = False
    for r in records:
        if r.id == MODULENAME:
            name, stream, offset, procedural = r.data.decode(encoding), "", -1, False
        elif r.id == MODULESTREAMNAME:
            stream = r.data.decode(encoding)
        elif r.id == MODULEOFFSET:
            offset = int.from_bytes(r.data, "little")
        elif r.id == MODULETYPE_PROCEDURAL:
            procedural = True
        elif r.id == MODULE_TERMINATOR:
            found.append(Module(name, stream, offset, procedural))
    return found


def _module_records(name: str, encoding: str) -> list[Record]:
    """MODULE records (2.3.4.2.3.2) of a source-only procedural module named ``name``."""
    mbcs = name.encode(encoding)
    utf16 = name.encode("utf-16-le")
    return [
        _record(MODULENAME, mbcs),
        _record(MODULENAMEUNICODE, utf16),
        _record(MODULESTREAMNAME, mbcs),
        _record(MODULESTREAMNAMEUNICODE, utf16),
        _record(MODULEDOCSTRING, b""),
        _record(MODULEDOCSTRINGUNICODE, b""),
        _record(MODULEOFFSET, (0).to_bytes(4, "little")),  # source only: the stream is all source
        _record(MODULEHELPCONTEXT, (0).to_bytes(4, "little")),
        _record(MODULECOOKIE, (0xFFFF).to_bytes(2, "little")),
        _record(MODULETYPE_PROCEDURAL, b""),
        _record(MODULE_TERMINATOR, b""),
    ]


def add_module_to_dir(records: list[Record], name: str) -> list[Record]:
    """``records`` with a source-only procedural module ``name`` appended to the module list
    and PROJECTMODULES' count bumped."""
    encoding = code_page(records)
    if any(m.name.lower() == name.lower() for m in modules(records)):
        raise ProjectError(f"dir: module {name!r} already exists")
    out: list[Record] = []
    for r in records:
        if r.id == PROJECTMODULES:
            count = int.from_bytes(r.data, "little") + 1
            r = _record(PROJECTMODULES, count.to_bytes(2, "little"))
        out.append(r)
    if sum(r.id == PROJECTMODULES for r in out) != 1:
        raise ProjectError("dir: expected one PROJECTMODULES record")
    return out[:-1] + _module_records(name, encoding) + out[-1:]


def add_module_to_project(project: bytes, name: str, encoding: str) -> bytes:
    """The PROJECT stream (2.3.1) with ``Module=<name>`` after the last module line and a
    ``[Workspace]`` window entry."""
    lines = project.split(b"\r\n")
    entry = f"Module={name}".encode(encoding)
    kinds = (b"Document=", b"Module=", b"Class=", b"BaseClass=", b"Package=")
    last = max((i for i, ln in enumerate(lines) if ln.startswith(kinds)), default=-1)
    if last < 0:
        raise ProjectError("PROJECT: no module lines")
    lines.insert(last + 1, entry)
    if b"[Workspace]" in lines:
        at = lines.index(b"[Workspace]") + 1
        while at < len(lines) and lines[at]:
            at += 1
        lines.insert(at, f"{name}=0, 0, 0, 0, C".encode(encoding))
    return b"\r\n".join(lines)


def add_module_to_projectwm(projectwm: bytes, name: str, encoding: str) -> bytes:
    """The PROJECTwm stream (2.3.3) with the module's MBCS/UTF-16 name pair before its
    terminator."""
    if not projectwm.endswith(b"\x00\x00"):
        raise ProjectError("PROJECTwm: no terminator")
    pair = name.encode(encoding) + b"\x00" + name.encode("utf-16-le") + b"\x00\x00"
    return projectwm[:-2] + pair + b"\x00\x00"


def module_source(stream: bytes, offset: int) -> bytes:
    """The source text bytes (in the project's code page) of a module stream."""
    return ovba.decompress(stream[offset:])


def add_source_modules(vba_project: bytes, sources: dict[str, str]) -> bytes:
    """``vbaProject.bin`` with each ``name → source text`` added as a source-only procedural
    module. Every other stream keeps its bytes; ``dir``, ``PROJECT`` and ``PROJECTwm`` gain the
    module entries. Source text uses ``\\n`` or ``\\r\\n`` line ends (stored as ``\\r\\n``)."""
    root = cfb.read(vba_project)
    storage = root.child("VBA")
    dir_entry = storage.child("dir")
    records = parse_dir(ovba.decompress(dir_entry.data))
    encoding = code_page(records)
    project = root.child("PROJECT")
    projectwm = root.child("PROJECTwm")
    for name, text in sources.items():
        if any(c.name.upper() == name.upper() for c in storage.children):
            raise ProjectError(f"VBA storage already has a stream {name!r}")
        records = add_module_to_dir(records, name)
        project.data = add_module_to_project(project.data, name, encoding)
        projectwm.data = add_module_to_projectwm(projectwm.data, name, encoding)
        source = text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding)
        storage.children.append(cfb.Entry(name, cfb.STREAM, data=ovba.compress(source)))
    dir_entry.data = ovba.compress(serialise_dir(records))
    return cfb.write(root)
