"""An independent PNG reader for the tests: checks the CRCs and undoes all five row filters."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}


@dataclass(frozen=True)
class Image:
    """A decoded 8-bit image: `rows[y][x]` is a tuple of channel values."""

    width: int
    height: int
    mode: str
    bit_depth: int
    rows: list[list[tuple[int, ...]]]

    def pixels(self) -> list[tuple[int, ...]]:
        """Every pixel, row by row."""
        return [pixel for row in self.rows for pixel in row]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, prior: bytes, bpp: int) -> None:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = prior[i]
        corner = prior[i - bpp] if i >= bpp else 0
        add = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
        line[i] = (line[i] + add) & 0xFF


def read_png(data: bytes) -> Image:
    """Decode a non-interlaced 8-bit PNG; raise ValueError on anything malformed."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    pos, chunks = len(SIGNATURE), []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r}")
        chunks.append((kind, body))
        pos += 12 + length
    if chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise ValueError("IHDR must come first and IEND last")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or interlace != 0 or colour not in _CHANNELS:
        raise ValueError("only 8-bit, non-interlaced images are supported")
    bpp = _CHANNELS[colour]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise ValueError("image data has the wrong length")
    rows, prior = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, prior, bpp)
        rows.append([tuple(line[x * bpp : (x + 1) * bpp]) for x in range(width)])
        prior = bytes(line)
    return Image(width, height, _MODES[colour], depth, rows)
