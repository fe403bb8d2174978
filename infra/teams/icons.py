"""The app's two icons, drawn from one glyph: a staircase of three steps ("step up")."""

from __future__ import annotations

from infra.teams.png import encode_rgba

COLOR_SIZE = 192
OUTLINE_SIZE = 32
GRID = 16
"""The glyph is drawn on a 16x16 grid and scaled up by a whole number of pixels per cell."""

STEPS: tuple[tuple[int, int, int, int], ...] = (
    (2, 10, 6, 14),  # (x0, y0, x1, y1) in grid cells: the lowest step
    (6, 6, 10, 14),
    (10, 2, 14, 14),  # the highest step
)
WHITE = (255, 255, 255, 255)
TRANSPARENT = (0, 0, 0, 0)

Rgba = tuple[int, int, int, int]


def _hex_colour(value: str) -> Rgba:
    text = value.removeprefix("#")
    if len(text) != 6:
        raise ValueError("colours are written #rrggbb")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16), 255)


def _in_glyph(gx: int, gy: int) -> bool:
    return any(x0 <= gx < x1 and y0 <= gy < y1 for x0, y0, x1, y1 in STEPS)


def _draw(size: int, glyph_px: int, ink: Rgba, paper: Rgba) -> bytes:
    """Pixels of a `size` square with the glyph (`glyph_px` wide) centred in `ink` on `paper`."""
    cell = glyph_px // GRID
    offset = (size - cell * GRID) // 2
    rows = bytearray()
    for y in range(size):
        for x in range(size):
            gx, gy = (x - offset), (y - offset)
            inside = 0 <= gx < cell * GRID and 0 <= gy < cell * GRID
            rows.extend(ink if inside and _in_glyph(gx // cell, gy // cell) else paper)
    return bytes(rows)


def color_icon(accent: str) -> bytes:
    """The 192x192 full-colour icon: a white staircase on the accent colour."""
    pixels = _draw(COLOR_SIZE, glyph_px=128, ink=WHITE, paper=_hex_colour(accent))
    return encode_rgba(COLOR_SIZE, COLOR_SIZE, pixels)


def outline_icon() -> bytes:
    """The 32x32 outline icon: the white staircase on a transparent background."""
    pixels = _draw(OUTLINE_SIZE, glyph_px=32, ink=WHITE, paper=TRANSPARENT)
    return encode_rgba(OUTLINE_SIZE, OUTLINE_SIZE, pixels)
