"""The icons: sizes, pixel format, and an outline that is only white on transparent."""

from __future__ import annotations

import pytest

from infra.teams.icons import color_icon, outline_icon
from infra.teams.png import encode_rgba
from tests.infra.pngread import read_png


def test_colour_icon_is_an_opaque_192_square_in_the_accent_colour() -> None:
    image = read_png(color_icon("#1F5C99"))
    assert (image.width, image.height, image.mode, image.bit_depth) == (192, 192, "RGBA", 8)
    pixels = image.pixels()
    assert all(alpha == 255 for *_, alpha in pixels)
    assert image.rows[0][0] == (0x1F, 0x5C, 0x99, 255)
    assert (255, 255, 255, 255) in pixels  # the glyph is drawn


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    image = read_png(outline_icon())
    assert (image.width, image.height, image.mode, image.bit_depth) == (32, 32, "RGBA", 8)
    pixels = image.pixels()
    assert all(p == (255, 255, 255, 255) or p[3] == 0 for p in pixels)
    white = sum(p[3] == 255 for p in pixels)
    assert 0 < white < len(pixels) // 2
    assert image.rows[0][0][3] == 0  # the background is transparent


def test_encoder_round_trips_and_refuses_the_wrong_pixel_count() -> None:
    pixels = bytes(range(2 * 3 * 4))
    image = read_png(encode_rgba(2, 3, pixels))
    assert bytes(v for p in image.pixels() for v in p) == pixels
    with pytest.raises(ValueError):
        encode_rgba(2, 2, pixels)
