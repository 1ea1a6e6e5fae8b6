"""Adding a source-only module to a VBA project: the ``dir`` records, PROJECT and PROJECTwm
entries, and every other stream untouched."""

from __future__ import annotations

import pytest
from shoprules.addin.vba import cfb, ovba, project

SOURCE = 'Attribute VB_Name = "Extra"\nFunction ONE()\n    ONE = 1\nEnd Function\n'


def _dir(root: cfb.Entry) -> list[project.Record]:
    return project.parse_dir(ovba.decompress(root.child("VBA").child("dir").data))


def test_dir_records_serialise_byte_for_byte(template_vba: bytes) -> None:
    raw = ovba.decompress(cfb.read(template_vba).child("VBA").child("dir").data)
    records = project.parse_dir(raw)
    assert project.serialise_dir(records) == raw
    assert project.code_page(records) == "cp1252"
    version = next(r for r in records if r.id == project.PROJECTVERSION)
    assert (version.size, len(version.data)) == (4, 6)


def test_added_module(template_vba: bytes) -> None:
    before = cfb.read(template_vba)
    after = cfb.read(project.add_source_modules(template_vba, {"Extra": SOURCE}))
    old, new = _dir(before), _dir(after)
    count = next(r for r in new if r.id == project.PROJECTMODULES)
    assert int.from_bytes(count.data, "little") == 6
    # Every old record is still there, in order; the module's records come before the end.
    assert len(new) == len(old) + 11
    for a, b in zip(old[:-1], new, strict=False):
        assert a == b or a.id == b.id == project.PROJECTMODULES
    assert new[-1] == old[-1]
    assert [(r.id, r.data) for r in new[len(old) - 1 : -1]] == [
        (0x0019, b"Extra"),
        (0x0047, "Extra".encode("utf-16-le")),
        (0x001A, b"Extra"),
        (0x0032, "Extra".encode("utf-16-le")),
        (0x001C, b""),
        (0x0048, b""),
        (0x0031, bytes(4)),
        (0x001E, bytes(4)),
        (0x002C, b"\xff\xff"),
        (0x0021, b""),
        (0x002B, b""),
    ]
    extra = project.modules(new)[-1]
    assert extra == project.Module("Extra", "Extra", 0, procedural=True)
    stream = after.child("VBA").child("Extra").data
    assert ovba.decompress(stream) == SOURCE.replace("\n", "\r\n").encode()
    project_text = after.child("PROJECT").data.decode("cp1252")
    assert "Module=xlwings\r\nModule=Extra\r\nName=" in project_text
    assert "\r\nExtra=0, 0, 0, 0, C\r\n" in project_text
    assert after.child("PROJECTwm").data == (
        before.child("PROJECTwm").data[:-2] + b"Extra\x00" + "Extra".encode("utf-16-le") + bytes(4)
    )
    changed = {"VBA/dir", "PROJECT", "PROJECTwm"}
    old_streams = {p: e.data for p, e in before.walk() if e.kind == cfb.STREAM}
    new_streams = {p: e.data for p, e in after.walk() if e.kind == cfb.STREAM}
    assert set(new_streams) == set(old_streams) | {"VBA/Extra"}
    for path, data in old_streams.items():
        if path not in changed:
            assert new_streams[path] == data, path


def test_existing_module_names_are_refused(template_vba: bytes) -> None:
    with pytest.raises(project.ProjectError):
        project.add_source_modules(template_vba, {"XLWINGS": SOURCE})
