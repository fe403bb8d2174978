"""A minimal PNG writer (8-bit RGBA, no interlace) using only zlib and struct."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6  # PNG colour type: truecolour with alpha


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_rgba(width: int, height: int, pixels: bytes) -> bytes:
    """Encode `width*height` RGBA pixels (row-major, 4 bytes each) as a PNG file."""
    if width <= 0 or height <= 0 or len(pixels) != width * height * 4:
        raise ValueError("pixels must hold exactly width*height RGBA values")
    stride = width * 4
    raw = b"".join(b"\x00" + pixels[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, RGBA, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )
