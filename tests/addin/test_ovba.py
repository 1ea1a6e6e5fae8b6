"""MS-OVBA compression: our compressor and decompressor round-trip, agree with olevba's
decompressor, and read the xlwings template's modules as olevba does."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shoprules.addin.vba import cfb, ovba, project

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # pyparsing deprecations inside olevba
    from oletools.olevba import decompress_stream

#: Bytes with long repeats and near-repeats, like source text (long copies hit the length cap).
texty = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"    ", b"\r\n", b"End Function", b"SR_DAMAGES", b"\x00"]).map(
            lambda b: b * 7
        ),
        st.tuples(st.integers(0, 255), st.integers(1, 9000)).map(lambda t: bytes([t[0]]) * t[1]),
    ),
    max_size=30,
).map(b"".join)


def _olevba(container: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(container)))


def _chunks(container: bytes) -> Iterator[tuple[int, bool]]:
    """(chunk size with header, compressed flag) of each chunk."""
    pos = 1
    while pos < len(container):
        header = int.from_bytes(container[pos : pos + 2], "little")
        size = (header & 0x0FFF) + 3
        yield size, bool(header & 0x8000)
        pos += size


@settings(max_examples=150, deadline=None)
@given(texty)
def test_round_trip_texty(data: bytes) -> None:
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data
    assert _olevba(packed) == data  # an independent decompressor agrees
    for size, compressed in _chunks(packed):
        assert size <= 4098
        assert compressed or size == 4098


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3640) | st.binary(min_size=4096, max_size=4096 * 3 + 3640))
def test_round_trip_any_bytes(data: bytes) -> None:
    if len(data) % 4096 > 3640:  # an incompressible final part cannot be represented
        return
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data
    assert _olevba(packed) == data


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 18, 19, 4095, 4096, 4097, 8192, 20000])
def test_long_runs_use_capped_copies(n: int) -> None:
    data = b"a" * n
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data == _olevba(packed)
    if n > 100:
        assert len(packed) < n // 10


def test_incompressible_final_chunk_is_refused() -> None:
    import random

    data = random.Random(1).randbytes(4000)
    with pytest.raises(ovba.OvbaError):
        ovba.compress(data)


@pytest.mark.parametrize(
    "bad", [b"", b"\x02", b"\x01\x00", b"\x01\x00\x00\x00", b"\x01\x03\xb0\x01\x00\x00"]
)
def test_malformed_containers_raise(bad: bytes) -> None:
    with pytest.raises(ovba.OvbaError):
        ovba.decompress(bad)


def test_template_modules_decompress_like_olevba(template_vba: bytes) -> None:
    root = cfb.read(template_vba)
    storage = root.child("VBA")
    records = project.parse_dir(ovba.decompress(storage.child("dir").data))
    assert ovba.decompress(storage.child("dir").data) == _olevba(storage.child("dir").data)
    found = project.modules(records)
    assert [m.name for m in found] == [
        "ThisWorkbook",
        "Dictionary",
        "RibbonMyAddin",
        "Sheet2",
        "xlwings",
    ]
    for module in found:
        stream = storage.child(module.stream_name).data
        ours = project.module_source(stream, module.offset)
        assert ours == _olevba(stream[module.offset :])
        assert ours.startswith(f'Attribute VB_Name = "{module.name}"'.encode())
        assert ovba.decompress(ovba.compress(ours)) == ours
