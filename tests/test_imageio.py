"""Tests for gantools.imageio: exact round trips, metadata, errors, listing."""

from __future__ import annotations

import errno
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import PIL
import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps

from gantools import atomic
from gantools.imageio import (
    IMAGE_SUFFIXES,
    ImageReadError,
    ImageWriteError,
    LoadedImage,
    from_float,
    list_images,
    read_image,
    to_float,
    to_gray,
    to_rgb,
    write_image,
)
from gantools.imageio import listing as imageio_listing
from gantools.imageio import read as imageio_read

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif_bytes(orientation: int | None = None, make: str | None = None) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if make is not None:
        exif[0x010F] = make
    return exif.tobytes()


def _exif_tags(raw: bytes | None) -> Image.Exif:
    exif = Image.Exif()
    if raw:
        exif.load(raw)
    return exif


def _asymmetric(h: int = 6, w: int = 10) -> np.ndarray:
    """(h, w, 3) uint8 with every pixel distinct, so any flip/rotation is visible."""
    idx = np.arange(h * w, dtype=np.int64).reshape(h, w)
    return np.stack([idx % 251, (idx * 7) % 253, (idx * 13) % 255], axis=2).astype(np.uint8)


def _assert_read_error(path: Path | str, reason: str, **kwargs) -> ImageReadError:
    with pytest.raises(ImageReadError) as info:
        read_image(path, **kwargs)
    err = info.value
    msg = str(err)
    assert type(err) is ImageReadError
    assert msg.startswith(f"{path}: "), msg
    assert "\n" not in msg
    assert reason in msg, msg
    return err


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


# --------------------------------------------------------------------------- round trips


def test_rgb8_png_roundtrip(tmp_path: Path) -> None:
    px = _rng().integers(0, 256, (9, 13, 3), dtype=np.uint8)
    path = tmp_path / "rgb.png"
    write_image(path, px)
    img = read_image(path)
    assert isinstance(img, LoadedImage)
    assert img.format == "PNG" and img.bit_depth == 8 and img.n_frames == 1
    assert img.pixels.dtype == np.uint8 and img.pixels.shape == (9, 13, 3)
    assert (img.height, img.width, img.is_gray) == (9, 13, False)
    assert img.alpha is None and img.icc_profile is None and img.exif is None
    np.testing.assert_array_equal(img.pixels, px)


def test_rgba_png_alpha_exact(tmp_path: Path) -> None:
    rng = _rng()
    px = rng.integers(0, 256, (8, 5, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (8, 5), dtype=np.uint8)
    alpha[0, 0] = 0  # fully transparent pixel keeps its colour too
    path = tmp_path / "rgba.png"
    write_image(path, px, alpha)
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, px)
    np.testing.assert_array_equal(img.alpha, alpha)


def test_la_png(tmp_path: Path) -> None:
    rng = _rng()
    la = rng.integers(0, 256, (4, 6, 2), dtype=np.uint8)
    path = tmp_path / "la.png"
    Image.fromarray(la).save(path)
    img = read_image(path)
    assert img.is_gray and img.pixels.shape == (4, 6, 1)
    np.testing.assert_array_equal(img.pixels[:, :, 0], la[:, :, 0])
    np.testing.assert_array_equal(img.alpha, la[:, :, 1])
    out = tmp_path / "la_out.png"
    write_image(out, img.pixels, img.alpha)
    assert Image.open(out).mode == "LA"
    again = read_image(out)
    np.testing.assert_array_equal(again.pixels, img.pixels)
    np.testing.assert_array_equal(again.alpha, img.alpha)


def test_palette_png_with_transparency(tmp_path: Path) -> None:
    idx = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    im = Image.fromarray(idx, mode="L").convert("P")
    im.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (253 * 3))
    im.putdata(idx.ravel().tolist())
    path = tmp_path / "pal.png"
    im.save(path, transparency=1)
    img = read_image(path)
    assert img.pixels.shape == (2, 3, 3) and img.alpha is not None
    np.testing.assert_array_equal(img.alpha, np.where(idx == 1, 0, 255))
    np.testing.assert_array_equal(img.pixels[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(img.pixels[0, 2], [0, 0, 255])


def test_palette_png_without_transparency_is_rgb(tmp_path: Path) -> None:
    path = tmp_path / "pal.png"
    Image.new("RGB", (5, 3), (10, 20, 30)).convert("P", palette=Image.Palette.ADAPTIVE).save(path)
    img = read_image(path)
    assert img.alpha is None and img.pixels.shape == (3, 5, 3)
    np.testing.assert_array_equal(img.pixels[1, 1], [10, 20, 30])


def test_gray16_png(tmp_path: Path) -> None:
    px = _rng().integers(0, 65536, (7, 4), dtype=np.uint16)
    path = tmp_path / "g16.png"
    Image.fromarray(px).save(path)  # Pillow's own "I;16" writer
    img = read_image(path)
    assert img.bit_depth == 16 and img.pixels.dtype == np.uint16 and img.is_gray
    np.testing.assert_array_equal(img.pixels[:, :, 0], px)
    out = tmp_path / "g16_out.png"
    write_image(out, img.pixels)
    np.testing.assert_array_equal(read_image(out).pixels, img.pixels)


def _low_byte_rgb16() -> np.ndarray:
    """16-bit RGB whose information is in the low byte (high byte constant)."""
    low = _rng().integers(0, 256, (6, 9, 3), dtype=np.uint16)
    return (np.uint16(0x1200) + low).astype(np.uint16)


def test_rgb16_png_written_by_opencv_reads_exactly(tmp_path: Path) -> None:
    px = _low_byte_rgb16()
    path = tmp_path / "rgb16.png"
    assert cv2.imwrite(str(path), px[:, :, ::-1])
    img = read_image(path)
    assert img.bit_depth == 16 and img.pixels.dtype == np.uint16
    np.testing.assert_array_equal(img.pixels, px)


@pytest.mark.parametrize("with_alpha", [False, True])
def test_rgb16_png_write_roundtrip_exact(tmp_path: Path, with_alpha: bool) -> None:
    px = _low_byte_rgb16()
    alpha = (np.arange(54, dtype=np.uint16).reshape(6, 9) * 1001) if with_alpha else None
    icc = _srgb_icc()
    path = tmp_path / "rgb16.png"
    write_image(path, px, alpha, icc_profile=icc)
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, px)
    assert img.icc_profile == icc
    if with_alpha:
        np.testing.assert_array_equal(img.alpha, alpha)
    # an independent decoder agrees with our encoder
    ref = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(ref[:, :, 2::-1], px)


def test_gray_alpha16_png_roundtrip(tmp_path: Path) -> None:
    rng = _rng()
    px = rng.integers(0, 65536, (5, 3, 1), dtype=np.uint16)
    alpha = rng.integers(0, 65536, (5, 3), dtype=np.uint16)
    path = tmp_path / "ga16.png"
    write_image(path, px, alpha)
    img = read_image(path)
    assert img.is_gray and img.bit_depth == 16
    np.testing.assert_array_equal(img.pixels, px)
    np.testing.assert_array_equal(img.alpha, alpha)


@pytest.mark.parametrize("channels,with_alpha", [(1, False), (1, True), (3, False), (3, True)])
def test_tiff16_roundtrip(tmp_path: Path, channels: int, with_alpha: bool) -> None:
    rng = _rng()
    px = rng.integers(0, 65536, (5, 7, channels), dtype=np.uint16)
    alpha = rng.integers(0, 65536, (5, 7), dtype=np.uint16) if with_alpha else None
    icc = _srgb_icc() if channels == 3 else None
    path = tmp_path / "x.tiff"
    write_image(path, px, alpha, icc_profile=icc)
    img = read_image(path)
    assert img.format == "TIFF" and img.bit_depth == 16
    np.testing.assert_array_equal(img.pixels, px)
    if with_alpha:
        np.testing.assert_array_equal(img.alpha, alpha)
    else:
        assert img.alpha is None
    assert img.icc_profile == icc


def test_rgb16_tiff_written_by_opencv_reads_exactly(tmp_path: Path) -> None:
    px = _low_byte_rgb16()
    path = tmp_path / "rgb16.tif"
    assert cv2.imwrite(str(path), px[:, :, ::-1])
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, px)


def test_cmyk_jpeg_reads_as_rgb(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, quality=95)  # pure red
    img = read_image(path)
    assert img.format == "JPEG" and img.pixels.shape == (16, 16, 3)
    mean = img.pixels.reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(mean, [255, 0, 0], atol=8)


@pytest.mark.parametrize("mode", ["YCbCr", "LAB"])
def test_other_colour_modes_read_as_rgb(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "x.tif"
    Image.new("RGB", (3, 2), (200, 40, 90)).convert(mode).save(path)
    try:
        with Image.open(path) as own:
            own.load()
    except OSError as exc:  # Pillow 12.3 writes YCbCr TIFFs it cannot read back
        pytest.skip(f"Pillow {PIL.__version__} cannot read its own {mode} TIFF: {exc}")
    img = read_image(path)
    assert img.pixels.shape == (2, 3, 3) and img.pixels.dtype == np.uint8
    np.testing.assert_allclose(img.pixels[1, 2], [200, 40, 90], atol=4)


def test_hsv_mode_converts_to_rgb() -> None:
    # no file format stores HSV, so the conversion step is checked directly
    pixels, alpha = imageio_read._pillow_arrays(Image.new("HSV", (2, 1), (0, 255, 255)))
    assert alpha is None
    np.testing.assert_array_equal(pixels[0, 0], [255, 0, 0])


def test_exif_rotated_jpeg(tmp_path: Path) -> None:
    px = np.zeros((32, 64, 3), np.uint8)
    px[:16, :32] = (255, 0, 0)  # top-left red
    px[:16, 32:] = (0, 255, 0)  # top-right green
    px[16:, :32] = (0, 0, 255)  # bottom-left blue
    px[16:, 32:] = (255, 255, 255)
    path = tmp_path / "rot.jpg"
    Image.fromarray(px).save(path, exif=_exif_bytes(orientation=6, make="Cam"), quality=95)
    img = read_image(path)
    assert img.pixels.shape == (64, 32, 3)
    expected = np.rot90(px, k=-1)  # orientation 6: rotate 90 degrees clockwise to view
    assert np.abs(img.pixels.astype(int) - expected.astype(int)).mean() < 4
    # after a clockwise turn, the old bottom-left (blue) is at the top-left
    np.testing.assert_allclose(img.pixels[4, 4], [0, 0, 255], atol=12)
    tags = _exif_tags(img.exif)
    assert tags[0x0112] == 1 and tags[0x010F] == "Cam"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_exif_orientations_match_pillow(tmp_path: Path, orientation: int) -> None:
    px = _asymmetric()
    path = tmp_path / "o.png"
    Image.fromarray(px).save(path, exif=_exif_bytes(orientation=orientation))
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, expected)
    assert _exif_tags(img.exif)[0x0112] == 1


def test_exif_orientation_on_16bit_png(tmp_path: Path) -> None:
    px = _asymmetric().astype(np.uint16) * 257 + 1
    path = tmp_path / "o16.png"
    write_image(path, px, exif=_exif_bytes(orientation=8))
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, np.rot90(px, k=1))


@pytest.mark.parametrize(
    "name,depth", [("a.png", 8), ("a.jpg", 8), ("a.webp", 8), ("a.tif", 8), ("b.png", 16)]
)
def test_icc_and_exif_preserved_through_write(tmp_path: Path, name: str, depth: int) -> None:
    icc = _srgb_icc()
    px = np.full((4, 5, 3), 100, np.uint8)
    path = tmp_path / name
    write_image(path, px, bit_depth=depth, icc_profile=icc, exif=_exif_bytes(make="Maker"))
    img = read_image(path)
    assert img.icc_profile == icc
    assert _exif_tags(img.exif).get(0x010F) == "Maker"
    assert img.bit_depth == depth


def test_read_write_read_keeps_metadata(tmp_path: Path) -> None:
    icc = _srgb_icc()
    src = tmp_path / "src.jpg"
    Image.fromarray(_asymmetric()).save(src, icc_profile=icc, exif=_exif_bytes(6, "Cam"))
    img = read_image(src)
    dst = tmp_path / "dst.png"
    write_image(dst, img.pixels, img.alpha, icc_profile=img.icc_profile, exif=img.exif)
    again = read_image(dst)
    np.testing.assert_array_equal(again.pixels, img.pixels)  # not rotated a second time
    assert again.icc_profile == icc and _exif_tags(again.exif)[0x010F] == "Cam"


def test_animated_gif_first_frame(tmp_path: Path) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (6, 4), c) for c in colours]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50, loop=0)
    img = read_image(path)
    assert img.n_frames == 3 and img.format == "GIF"
    assert img.pixels.shape == (4, 6, 3)
    assert (img.pixels == np.array([255, 0, 0], np.uint8)).all()


def test_multipage_tiff_first_page(tmp_path: Path) -> None:
    pages = [Image.new("L", (3, 5), v) for v in (10, 20)]
    path = tmp_path / "pages.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:])
    img = read_image(path)
    assert img.n_frames == 2 and img.is_gray
    assert (img.pixels == 10).all()


@pytest.mark.parametrize("depth", [8, 16])
def test_float_input_to_write_image(tmp_path: Path, depth: int) -> None:
    x = np.linspace(-0.2, 1.2, 5 * 6 * 3, dtype=np.float32).reshape(5, 6, 3)
    path = tmp_path / "f.png"
    write_image(path, x, bit_depth=depth)
    img = read_image(path)
    assert img.bit_depth == depth
    np.testing.assert_array_equal(img.pixels, from_float(x, depth))
    assert img.pixels.min() == 0 and img.pixels.max() == (255 if depth == 8 else 65535)


def test_float_alpha_and_uint8_upcast(tmp_path: Path) -> None:
    px = np.array([[[0, 128, 255]]], np.uint8)
    alpha = np.array([[0.5]], np.float64)
    path = tmp_path / "u.png"
    write_image(path, px, alpha, bit_depth=16)
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, px.astype(np.uint16) * 257)
    np.testing.assert_array_equal(img.alpha, [[32768]])


@pytest.mark.parametrize("shape", [(1, 1), (2, 7), (7, 2)])
@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp", ".webp"])
@pytest.mark.parametrize("channels", [1, 3])
def test_tiny_images_roundtrip(tmp_path: Path, shape, suffix: str, channels: int) -> None:
    px = _rng().integers(0, 256, (*shape, channels), dtype=np.uint8)
    path = tmp_path / f"tiny{suffix}"
    write_image(path, px, quality=100)  # WEBP quality 100 is lossless
    img = read_image(path)
    expected = to_rgb(px) if suffix == ".webp" else px
    assert (img.height, img.width) == shape
    np.testing.assert_array_equal(img.pixels, expected)


def test_tiny_jpeg(tmp_path: Path) -> None:
    for shape in [(1, 1), (2, 7)]:
        path = tmp_path / "t.jpg"
        write_image(path, np.full((*shape, 3), 77, np.uint8))
        img = read_image(path)
        assert img.pixels.shape == (*shape, 3)
        assert np.abs(img.pixels.astype(int) - 77).max() <= 3


def test_jpeg_drops_alpha_and_reduces_16bit(tmp_path: Path) -> None:
    px = np.full((8, 8, 3), 0x8080, np.uint16)
    path = tmp_path / "a.jpg"
    write_image(path, px, np.zeros((8, 8), np.uint16))
    img = read_image(path)
    assert img.alpha is None and img.bit_depth == 8
    assert np.abs(img.pixels.astype(int) - 128).max() <= 2


def test_bmp_drops_alpha_and_reduces_16bit_exactly(tmp_path: Path) -> None:
    px = np.array([[[0, 257 * 3 + 128, 65535]]], np.uint16)
    path = tmp_path / "a.bmp"
    write_image(path, px, np.array([[257 * 9]], np.uint16))
    img = read_image(path)
    assert img.alpha is None and img.bit_depth == 8
    np.testing.assert_array_equal(img.pixels, np.rint(px / 257).astype(np.uint8))


def test_explicit_format_overrides_suffix(tmp_path: Path) -> None:
    path = tmp_path / "noext"
    write_image(path, np.zeros((2, 2, 3), np.uint8), format="png")
    assert read_image(path).format == "PNG"


def test_mode_1_i_and_f_reads(tmp_path: Path) -> None:
    p1 = tmp_path / "b.png"
    Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1").save(p1)
    np.testing.assert_array_equal(read_image(p1).pixels[:, :, 0], [[0, 255]])
    pi = tmp_path / "i.tif"
    Image.fromarray(np.array([[0, 100000]], np.int32)).save(pi)
    img = read_image(pi)
    assert img.bit_depth == 16
    np.testing.assert_array_equal(img.pixels[:, :, 0], [[0, 65535]])
    pf = tmp_path / "f.tif"
    Image.fromarray(np.array([[0.0, 0.5, 1.0]], np.float32)).save(pf)
    np.testing.assert_array_equal(read_image(pf).pixels[:, :, 0], [[0, 32768, 65535]])


# --------------------------------------------------------------------------- helpers


def test_to_float_from_float_roundtrip() -> None:
    a8 = np.arange(256, dtype=np.uint8)
    a16 = np.arange(0, 65536, 7, dtype=np.uint16)
    f8, f16 = to_float(a8), to_float(a16)
    assert f8.dtype == np.float32 and f8.min() == 0.0 and f8.max() == 1.0
    np.testing.assert_array_equal(from_float(f8, 8), a8)
    np.testing.assert_array_equal(from_float(f16, 16), a16)
    np.testing.assert_array_equal(from_float(np.array([-1.0, np.nan, 2.0]), 8), [0, 0, 255])
    with pytest.raises(ValueError):
        from_float(f8, 12)


def test_to_rgb_and_to_gray() -> None:
    gray = LoadedImage(np.array([[[10], [200]]], np.uint8))
    assert to_rgb(gray).shape == (1, 2, 3) and (to_rgb(gray)[0, 1] == 200).all()
    assert to_gray(gray).shape == (1, 2, 1)
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 65535]]], np.uint16)
    img = LoadedImage(rgb, bit_depth=16)
    g = to_gray(img)
    assert g.dtype == np.uint16 and g.shape == (1, 3, 1)
    np.testing.assert_array_equal(g[0, :, 0], [76, 150, 7471])  # rint(0.299*255), ...
    assert to_rgb(img) is rgb


def test_loaded_image_validates() -> None:
    with pytest.raises(ValueError):
        LoadedImage(np.zeros((2, 2, 3), np.uint16), bit_depth=8)
    with pytest.raises(ValueError):
        LoadedImage(np.zeros((2, 2, 2), np.uint8))


def test_image_suffixes() -> None:
    for s in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".gif", ".jfif", ".pnm"):
        assert s in IMAGE_SUFFIXES


# --------------------------------------------------------------------------- read errors


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    _assert_read_error(path, "empty file")


def _png_bytes(h: int = 64, w: int = 64) -> bytes:
    path_px = _rng().integers(0, 256, (h, w, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".png", path_px)
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("keep", [0.5, 0.9, -12, -4])
def test_truncated_png(tmp_path: Path, keep: float) -> None:
    data = _png_bytes()
    cut = int(len(data) * keep) if keep > 0 else len(data) + int(keep)
    path = tmp_path / "cut.png"
    path.write_bytes(data[:cut])
    _assert_read_error(path, "truncated file")


def _jpeg_bytes() -> bytes:
    yy, xx = np.mgrid[0:96, 0:128]
    px = np.stack([yy * 2, xx * 2, (xx + yy) % 256], axis=2).astype(np.uint8)
    buf = tempfile.SpooledTemporaryFile()
    Image.fromarray(px).save(buf, format="JPEG", quality=90)
    buf.seek(0)
    return buf.read()


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_jpeg(tmp_path: Path, keep: float) -> None:
    data = _jpeg_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: int(len(data) * keep)])
    _assert_read_error(path, "truncated file")


def test_truncated_jpeg_even_if_pillow_is_told_to_accept_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = _jpeg_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    _assert_read_error(path, "truncated file")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the caller's setting is restored


def test_text_file_named_png(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("this is not an image\n")
    _assert_read_error(path, "not an image (cannot identify format)")


def test_unsupported_binary_format(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 4)
    _assert_read_error(path, "not an image")


def test_directory_named_png(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.mkdir()
    _assert_read_error(path, "is a directory")


def test_missing_path(tmp_path: Path) -> None:
    _assert_read_error(tmp_path / "nope.png", "no such file")
    _assert_read_error(str(tmp_path / "nope.png"), "no such file")


def _bomb_png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def test_decompression_bomb_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(_bomb_png(100000, 100000))
    start = time.perf_counter()
    _assert_read_error(
        path,
        "100000x100000 = 10000000000 pixels exceeds the limit of 178956970 "
        "(set GANTOOLS_MAX_PIXELS to raise it)",
    )
    assert time.perf_counter() - start < 1.0
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own guard is restored


def test_pixel_limit_from_env_and_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.png"
    write_image(path, np.zeros((10, 20, 3), np.uint8))
    monkeypatch.setenv("GANTOOLS_MAX_PIXELS", "199")
    _assert_read_error(path, "20x10 = 200 pixels exceeds the limit of 199")
    assert read_image(path, max_pixels=200).width == 20
    monkeypatch.setenv("GANTOOLS_MAX_PIXELS", "200")
    assert read_image(path).height == 10
    _assert_read_error(path, "exceeds the limit of 100", max_pixels=100)


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    write_image(path, np.zeros((2, 2, 3), np.uint8))
    path.chmod(0)
    try:
        _assert_read_error(path, "permission denied")
    finally:
        path.chmod(0o644)


def test_permission_denied_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.png"
    write_image(path, np.zeros((2, 2, 3), np.uint8))

    def deny(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr("builtins.open", deny)
    _assert_read_error(path, "permission denied")


# --------------------------------------------------------------------------- write errors


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_into_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "out.png"
    with pytest.raises(ImageWriteError) as info:
        write_image(path, np.zeros((2, 2, 3), np.uint8))
    assert str(info.value) == f"{path}: folder does not exist"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root can write anywhere")
def test_write_into_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ImageWriteError, match="permission denied"):
            write_image(folder / "out.png", np.zeros((2, 2, 3), np.uint8))
        assert _leftovers(folder) == []
    finally:
        folder.chmod(0o755)


def test_write_permission_denied_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def deny(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", deny)
    path = tmp_path / "out.png"
    with pytest.raises(ImageWriteError) as info:
        write_image(path, np.zeros((2, 2, 3), np.uint8))
    assert str(info.value) == f"{path}: permission denied"
    assert _leftovers(tmp_path) == []


def test_disk_full_leaves_target_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, disk_full
) -> None:
    path = tmp_path / "out.png"
    write_image(path, np.full((4, 4, 3), 9, np.uint8))
    before = path.read_bytes()
    disk_full()
    with pytest.raises(ImageWriteError) as info:
        write_image(path, _rng().integers(0, 256, (64, 64, 3), dtype=np.uint8))
    monkeypatch.undo()
    assert str(info.value) == f"{path}: no space left on device"
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == ["out.png"]


def test_write_keeps_existing_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.png"
    write_image(path, np.zeros((2, 2, 3), np.uint8))
    path.chmod(0o640)
    write_image(path, np.ones((2, 2, 3), np.uint8))
    assert path.stat().st_mode & 0o777 == 0o640
    assert read_image(path).pixels.max() == 1


@pytest.mark.parametrize(
    "name,pixels,kwargs,reason",
    [
        ("a.gif", np.zeros((2, 2, 3), np.uint8), {}, "cannot tell the output format"),
        ("a.png", np.zeros((2, 2, 3), np.uint8), {"format": "XYZ"}, "unsupported output"),
        ("a.png", np.zeros((2, 2, 4), np.uint8), {}, "pixels must be"),
        ("a.png", np.zeros((2, 2, 3), np.int64), {}, "unsupported dtype"),
        ("a.png", np.zeros((2, 2, 3), np.uint8), {"bit_depth": 12}, "bit_depth"),
        ("a.png", np.zeros((2, 2, 3), np.uint8), {"alpha": np.zeros((3, 2))}, "alpha shape"),
    ],
)
def test_write_bad_arguments(tmp_path: Path, name, pixels, kwargs, reason) -> None:
    path = tmp_path / name
    with pytest.raises(ImageWriteError) as info:
        write_image(path, pixels, **kwargs)
    assert str(info.value).startswith(f"{path}: ") and reason in str(info.value)
    assert _leftovers(tmp_path) == []


def test_write_onto_directory(tmp_path: Path) -> None:
    path = tmp_path / "d.png"
    path.mkdir()
    with pytest.raises(ImageWriteError, match="is a directory"):
        write_image(path, np.zeros((2, 2, 3), np.uint8))
    assert _leftovers(tmp_path) == ["d.png"]


# --------------------------------------------------------------------------- listing


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_list_images_folder_mixed_suffixes(tmp_path: Path) -> None:
    for name in ["b.PNG", "a.jpg", "c.txt", "d.Tiff", ".hidden.png", "sub/e.png", "f.webp"]:
        _touch(tmp_path / name)
    names = [p.name for p in list_images([tmp_path])]
    assert names == ["a.jpg", "b.PNG", "d.Tiff", "f.webp"]
    deep = [p.relative_to(tmp_path).as_posix() for p in list_images([tmp_path], recursive=True)]
    assert deep == ["a.jpg", "b.PNG", "d.Tiff", "f.webp", "sub/e.png"]


def test_list_images_explicit_files_kept_and_deduplicated(tmp_path: Path) -> None:
    txt = _touch(tmp_path / "notes.txt")
    png = _touch(tmp_path / "a.png")
    missing = tmp_path / "missing.png"
    got = list_images([txt, png, str(png), tmp_path, missing])
    assert got == [png, missing, txt]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_list_images_symlink_loop_terminates(tmp_path: Path) -> None:
    _touch(tmp_path / "root" / "a.png")
    _touch(tmp_path / "root" / "sub" / "b.png")
    (tmp_path / "root" / "sub" / "loop").symlink_to(tmp_path / "root")
    (tmp_path / "root" / "self").symlink_to(tmp_path / "root" / "sub")
    (tmp_path / "root" / "dangling").symlink_to(tmp_path / "nowhere")
    got = list_images([tmp_path / "root"], recursive=True)
    assert sorted(p.name for p in got) == ["a.png", "b.png"]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_list_images_follows_symlinked_folder(tmp_path: Path) -> None:
    _touch(tmp_path / "elsewhere" / "c.png")
    _touch(tmp_path / "root" / "a.png")
    (tmp_path / "root" / "link").symlink_to(tmp_path / "elsewhere")
    got = list_images([tmp_path / "root"], recursive=True)
    assert [p.relative_to(tmp_path / "root").as_posix() for p in got] == ["a.png", "link/c.png"]


def test_list_images_skips_unreadable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(tmp_path / "a.png")
    _touch(tmp_path / "locked" / "b.png")
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(imageio_listing.os, "scandir", scandir)
    assert [p.name for p in list_images([tmp_path], recursive=True)] == ["a.png"]


def test_list_images_glob(tmp_path: Path) -> None:
    for name in ["x1.png", "x2.jpg", "y.png", "x3.txt", "deep/x4.png"]:
        _touch(tmp_path / name)
    got = list_images([str(tmp_path / "x*")])
    assert [p.name for p in got] == ["x1.png", "x2.jpg"]
    got = list_images([str(tmp_path / "**" / "*.png")])
    assert [p.relative_to(tmp_path).as_posix() for p in got] == ["deep/x4.png", "x1.png", "y.png"]
    assert list_images([str(tmp_path / "nothing*.png")]) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_new_file_mode_follows_umask(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "new.png"
    write_image(path, np.zeros((2, 2, 3), np.uint8))
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_tiff_exif_sub_ifd_and_orientation(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2020:01:02 03:04:05"
    px = _asymmetric()
    path = tmp_path / "e.tif"
    write_image(path, px, exif=exif.tobytes())
    img = read_image(path)
    np.testing.assert_array_equal(img.pixels, np.rot90(px, k=-1))
    tags = _exif_tags(img.exif)
    assert tags[0x010F] == "Cam" and tags.get(0x0112, 1) == 1
    assert tags.get_ifd(0x8769)[0x9003] == "2020:01:02 03:04:05"


def test_import_does_not_pull_torch() -> None:
    code = "import sys, gantools.imageio; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----- streaming writers for very large outputs (forced with a threshold of 0) ------


def _sample_icc_exif() -> tuple[bytes, bytes]:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    exif[0x0110] = "Model"
    return icc, exif.tobytes()


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        chunks.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("with_alpha", [False, True])
def test_png_stream_round_trip(tmp_path: Path, monkeypatch, depth, channels, with_alpha) -> None:
    from gantools.imageio import png_stream

    monkeypatch.setenv("GANTOOLS_STREAM_WRITE_PIXELS", "0")
    monkeypatch.setattr(png_stream, "STRIP_BYTES", 1000)  # many strips ...
    monkeypatch.setattr(png_stream, "IDAT_BYTES", 2000)  # ... and IDAT chunks
    rng = _rng()
    dtype = np.uint8 if depth == 8 else np.uint16
    px = rng.integers(0, 2**depth, (150, 200, channels), dtype=dtype)
    px[:20] = px[:1]  # some smooth rows too
    alpha = rng.integers(0, 2**depth, (150, 200), dtype=dtype) if with_alpha else None
    icc, exif = _sample_icc_exif()
    path = tmp_path / "big.png"
    write_image(path, px, alpha, icc_profile=icc, exif=exif)
    chunks = _png_chunks(path.read_bytes())
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and kinds.count(b"IDAT") > 1
    assert kinds.index(b"iCCP") < kinds.index(b"IDAT") and b"eXIf" in kinds
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert raw[0] == 2  # written by the streaming (Up filter) encoder
    img = read_image(path)
    assert img.bit_depth == depth and np.array_equal(img.pixels, px)
    assert (img.alpha is None) == (alpha is None)
    if alpha is not None:
        assert np.array_equal(img.alpha, alpha)
    assert img.icc_profile == icc
    with Image.open(path) as im:
        im.load()
        assert im.info.get("icc_profile") == icc and im.getexif().get(0x0110) == "Model"
        if depth == 8:
            ref = px if alpha is None else np.concatenate([px, alpha[:, :, None]], axis=2)
            assert np.array_equal(np.asarray(im).reshape(ref.shape), ref)


def test_up_filter_matches_the_png_definition() -> None:
    from gantools.imageio.png_stream import up_filter

    rows = _rng().integers(0, 256, (3, 12), dtype=np.uint8)
    prev = _rng().integers(0, 256, 12, dtype=np.uint8)
    above = np.vstack([prev, rows[:-1]]).astype(int)
    got = up_filter(rows, prev)
    assert (got[:, 0] == 2).all()
    assert np.array_equal(got[:, 1:], (rows.astype(int) - above) % 256)
    assert np.array_equal(up_filter(rows, None)[0, 1:], rows[0])


@pytest.mark.parametrize("channels, depth", [(3, 8), (1, 8), (3, 16)])
def test_big_jpeg_equals_pillow_path_and_keeps_metadata(tmp_path: Path, monkeypatch,
                                                        channels, depth) -> None:
    icc, exif = _sample_icc_exif()
    dtype = np.uint8 if depth == 8 else np.uint16
    px = _rng().integers(0, 2**depth, (48, 64, channels), dtype=dtype)
    before = px.copy()
    write_image(tmp_path / "small.jpg", px, icc_profile=icc, exif=exif, quality=95)
    monkeypatch.setenv("GANTOOLS_STREAM_WRITE_PIXELS", "0")
    write_image(tmp_path / "big.jpg", px, icc_profile=icc, exif=exif, quality=95)
    assert np.array_equal(px, before)  # the in-place channel swap is undone
    small, big = read_image(tmp_path / "small.jpg"), read_image(tmp_path / "big.jpg")
    assert big.pixels.shape == small.pixels.shape
    assert np.abs(big.pixels.astype(int) - small.pixels.astype(int)).max() <= 1
    assert big.icc_profile == icc and big.exif is not None
    with Image.open(tmp_path / "big.jpg") as im:
        assert im.getexif().get(0x010F) == "Maker"


def test_big_jpeg_splits_a_large_icc_profile() -> None:
    from gantools.imageio.jpeg_big import metadata_segments

    icc = bytes(range(256)) * 600  # 153600 bytes: 3 APP2 segments
    segments = metadata_segments(icc, None)
    assert segments.count(b"ICC_PROFILE\x00") == 3


def test_output_size_checked_before_work(tmp_path: Path) -> None:
    from gantools.imageio import check_output_size

    check_output_size(tmp_path / "a.webp", 16383, 100)
    with pytest.raises(ValueError, match="WEBP cannot store 24000x16000 pixels"):
        check_output_size(tmp_path / "a.webp", 24000, 16000)
    with pytest.raises(ValueError, match="JPEG cannot store"):
        check_output_size(tmp_path / "a.png", 70000, 10, format="jpg")
    with pytest.raises(ImageWriteError, match="WEBP cannot store"):
        write_image(tmp_path / "wide.webp", np.zeros((1, 16384, 3), np.uint8))


def test_stream_write_failure_keeps_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    from gantools.imageio import png_stream

    monkeypatch.setenv("GANTOOLS_STREAM_WRITE_PIXELS", "0")
    path = tmp_path / "out.png"
    path.write_bytes(b"old")

    def broken(self, rows):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(png_stream.PngStreamWriter, "write_rows", broken)
    with pytest.raises(ImageWriteError, match="out.png: no space left on device"):
        write_image(path, np.zeros((4, 5, 3), np.uint8))
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["out.png"]


def test_atomic_open_writes_or_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    with atomic.atomic_open(path) as fh:
        fh.write(b"abc")
        fh.write(b"def")
    assert path.read_bytes() == b"abcdef"
    with pytest.raises(KeyError), atomic.atomic_open(path) as fh:
        fh.write(b"partial")
        raise KeyError("stop")
    assert path.read_bytes() == b"abcdef" and os.listdir(tmp_path) == ["f.bin"]
