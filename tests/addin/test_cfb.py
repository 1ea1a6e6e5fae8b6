"""Compound files: our writer's output is read back by olefile and by our reader, streams keep
their bytes, sibling trees are sorted valid red-black trees, and the same tree gives the same
bytes."""

from __future__ import annotations

import io

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shoprules.addin.vba import cfb

NOSTREAM = 0xFFFFFFFF


def _entries(blob: bytes) -> list[dict[str, int | str]]:
    ole = olefile.OleFileIO(io.BytesIO(blob))
    try:
        return [
            {
                "name": e.name,
                "type": e.entry_type,
                "color": e.color,
                "left": e.sid_left,
                "right": e.sid_right,
                "child": e.sid_child,
            }
            for e in ole.direntries
            if e is not None
        ]
    finally:
        ole.close()


def _check_tree(entries: list[dict[str, int | str]], top: int) -> list[str]:
    """Names under one storage in tree order; asserts red-black rules and CFB order."""
    by_id = dict(enumerate(entries))

    def black_height(sid: int, parent_red: bool) -> int:
        if sid == NOSTREAM:
            return 1
        e = by_id[sid]
        red = e["color"] == 0
        assert not (red and parent_red), "red node with a red parent"
        left = black_height(int(e["left"]), red)
        right = black_height(int(e["right"]), red)
        assert left == right, "unequal black heights"
        return left + (0 if red else 1)

    if top != NOSTREAM:
        assert by_id[top]["color"] == 1, "tree root must be black"
    black_height(top, False)
    names: list[str] = []

    def walk(sid: int) -> None:
        if sid == NOSTREAM:
            return
        walk(int(by_id[sid]["left"]))
        names.append(str(by_id[sid]["name"]))
        walk(int(by_id[sid]["right"]))

    walk(top)
    keys = [(len(n), n.upper()) for n in names]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    return names


def _check_all_trees(blob: bytes) -> None:
    entries = _entries(blob)
    for e in entries:
        if e["type"] in (1, 5):
            _check_tree(entries, int(e["child"]))


def test_template_round_trips(template_vba: bytes) -> None:
    root = cfb.read(template_vba)
    again = cfb.write(root)
    assert cfb.write(cfb.read(again)) == again
    old = olefile.OleFileIO(io.BytesIO(template_vba))
    new = olefile.OleFileIO(io.BytesIO(again))
    try:
        assert sorted(old.listdir()) == sorted(new.listdir())
        for path in old.listdir():
            assert old.openstream(path).read() == new.openstream(path).read(), path
            assert old.getclsid(path) == new.getclsid(path)
            assert old.getctime(path) == new.getctime(path)
            assert old.getmtime(path) == new.getmtime(path)
    finally:
        old.close()
        new.close()
    _check_all_trees(again)
    assert len(again) % 512 == 0


names = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="/\\:!"),
    min_size=1,
    max_size=31,
)
sizes = st.sampled_from([0, 1, 63, 64, 65, 4095, 4096, 4097, 10000])
streams = st.tuples(names, sizes, st.integers(0, 255))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(streams, max_size=12, unique_by=lambda s: s[0].upper()),
    st.lists(streams, max_size=20, unique_by=lambda s: s[0].upper()),
)
def test_random_trees_round_trip(
    top: list[tuple[str, int, int]], inner: list[tuple[str, int, int]]
) -> None:
    storage = cfb.Entry(
        "Storage",
        cfb.STORAGE,
        clsid=bytes(range(16)),
        created=123,
        modified=456,
        children=[cfb.Entry(n, cfb.STREAM, data=bytes([b]) * s) for n, s, b in inner],
    )
    children = [cfb.Entry(n, cfb.STREAM, data=bytes([b]) * s) for n, s, b in top]
    if all(n.upper() != "STORAGE" for n, _, _ in top):
        children.append(storage)
    root = cfb.Entry("Root Entry", cfb.ROOT, children=children)
    blob = cfb.write(root)
    assert blob == cfb.write(root)
    _check_all_trees(blob)
    ole = olefile.OleFileIO(io.BytesIO(blob))
    try:
        for path, entry in root.walk():
            if entry.kind == cfb.STREAM:
                assert ole.openstream(path).read() == entry.data, path
            else:
                assert (
                    ole.getclsid(path) == "03020100-0504-0706-0809-0A0B0C0D0E0F"
                )  # GUID byte order
    finally:
        ole.close()
    back = cfb.read(blob)
    assert [(p, e.data) for p, e in back.walk()] == sorted(
        ((p, e.data) for p, e in root.walk()),
        key=lambda pe: [(len(part), part.upper()) for part in pe[0].split("/")],
    )


def test_names_are_checked() -> None:
    root = cfb.Entry("Root Entry", cfb.ROOT, children=[cfb.Entry("a/b", cfb.STREAM)])
    with pytest.raises(cfb.CfbError):
        cfb.write(root)
    twins = [cfb.Entry("ab", cfb.STREAM), cfb.Entry("AB", cfb.STREAM)]
    with pytest.raises(cfb.CfbError):
        cfb.write(cfb.Entry("Root Entry", cfb.ROOT, children=twins))


def test_not_a_compound_file() -> None:
    with pytest.raises(cfb.CfbError):
        cfb.read(b"PK\x03\x04" + bytes(600))
