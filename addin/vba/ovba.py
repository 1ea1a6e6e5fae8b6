"""MS-OVBA compression ([MS-OVBA] 2.4.1), the LZ77 variant of VBA source and ``dir`` streams.

A container is the signature byte ``0x01`` and chunks of at most 4096 decompressed bytes. A
compressed chunk is a 2-byte header and token sequences: one flag byte, then 8 tokens (bit set: a
2-byte copy token, else one literal byte). A copy token splits its 16 bits into offset and
length; the split depends on how far the token is from the chunk's start (2.4.1.3.19.1), so the
longest copy is ``(0xFFFF >> bit_count) + 3`` bytes.

>>> text = b"Attribute VB_Name = " * 50
>>> packed = compress(text)
>>> len(packed) < len(text), decompress(packed) == text
(True, True)
"""

from __future__ import annotations

from typing import Final

__all__ = ["CHUNK_SIZE", "OvbaError", "compress", "decompress"]

CHUNK_SIZE: Final = 4096
_SIGNATURE: Final = 0x01
_RAW_HEADER: Final = 0x3FFF  # flag 0, signature 0b011, size 4098 - 3
_MAX_CHUNK: Final = 4098  # header included
#: Candidate positions tried per match search (keeps compression fast on long runs).
_CANDIDATES: Final = 64


class OvbaError(ValueError):
    """A byte string that is not a valid MS-OVBA compressed container (or cannot be one)."""


def _bit_count(difference: int) -> int:
    """Offset bits of a copy token ``difference`` bytes after the chunk start (2.4.1.3.19.1)."""
    return max((difference - 1).bit_length(), 4)


def _compress_chunk(data: bytes) -> bytes:
    """Token sequences of one chunk (greedy longest match, capped by the position's split)."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    n = len(data)
    pos = 0

    def remember(start: int, stop: int) -> None:
        for p in range(start, min(stop, n - 2)):
            heads.setdefault(data[p : p + 3], []).append(p)

    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_length, best_offset = 0, 0
            bit_count = _bit_count(pos)
            if pos > 0 and pos + 3 <= n:
                limit = min((0xFFFF >> bit_count) + 3, n - pos)
                for candidate in reversed(heads.get(data[pos : pos + 3], [])[-_CANDIDATES:]):
                    length = 3
                    while length < limit and data[candidate + length] == data[pos + length]:
                        length += 1
                    if length > best_length:
                        best_length, best_offset = length, pos - candidate
                        if length == limit:
                            break
            if best_length >= 3:
                token = ((best_offset - 1) << (16 - bit_count)) | (best_length - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                remember(pos, pos + best_length)
                pos += best_length
            else:
                out.append(data[pos])
                remember(pos, pos + 1)
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """``data`` as a compressed container.

    A chunk that does not shrink is stored raw, which the format allows only for a full
    4096-byte chunk; an incompressible final chunk of 3641..4095 bytes cannot be represented
    and raises :class:`OvbaError` (VBA source text never comes close).
    """
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        chunk = data[start : start + CHUNK_SIZE]
        tokens = _compress_chunk(chunk)
        if len(tokens) + 2 <= _MAX_CHUNK:
            out += (0xB000 | (len(tokens) + 2 - 3)).to_bytes(2, "little")
            out += tokens
        elif len(chunk) == CHUNK_SIZE:
            out += _RAW_HEADER.to_bytes(2, "little")
            out += chunk
        else:
            raise OvbaError(f"最后一块 {len(chunk)} 字节无法压缩 / incompressible final chunk")
    return bytes(out)


def _decompress_tokens(container: bytes, pos: int, end: int, out: bytearray) -> None:
    """Append the token sequences ``container[pos:end]`` of one compressed chunk to ``out``."""
    start = len(out)
    while pos < end:
        flags = container[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if not (flags >> bit) & 1:
                out.append(container[pos])
                pos += 1
                continue
            if pos + 2 > end:
                raise OvbaError(f"truncated copy token at byte {pos}")
            token = int.from_bytes(container[pos : pos + 2], "little")
            pos += 2
            bit_count = _bit_count(len(out) - start)
            length = (token & (0xFFFF >> bit_count)) + 3
            source = len(out) - ((token >> (16 - bit_count)) + 1)
            if source < start:
                raise OvbaError(f"copy token at byte {pos - 2} reaches before its chunk")
            for k in range(length):
                out.append(out[source + k])


def decompress(container: bytes) -> bytes:
    """The bytes a compressed container holds (2.4.1.3.1); :class:`OvbaError` if malformed."""
    if not container or container[0] != _SIGNATURE:
        raise OvbaError("not an MS-OVBA container: signature byte is not 0x01")
    out = bytearray()
    pos = 1
    total = len(container)
    while pos < total:
        if pos + 2 > total:
            raise OvbaError(f"truncated chunk header at byte {pos}")
        header = int.from_bytes(container[pos : pos + 2], "little")
        if (header >> 12) & 0b111 != 0b011:
            raise OvbaError(f"bad chunk signature at byte {pos}")
        end = min(pos + (header & 0x0FFF) + 3, total)
        pos += 2
        start = len(out)
        if not header & 0x8000:
            if end - pos != CHUNK_SIZE:
                raise OvbaError(f"raw chunk at byte {pos - 2} is not {CHUNK_SIZE} bytes")
            out += container[pos:end]
        else:
            _decompress_tokens(container, pos, end, out)
        pos = end
        if len(out) - start > CHUNK_SIZE:
            raise OvbaError(f"chunk ending at byte {end} decompresses to more than 4096 bytes")
    return bytes(out)
