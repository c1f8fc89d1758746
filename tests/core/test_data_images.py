"""Image folders: layout, bad files, mode conversion, resizing, decompression bombs, odd names."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.config import DataConfig
from gan_studio.core.data import images, load_dataset
from gan_studio.core.errors import DataError


def grey(value: int, size: int = 8) -> Image.Image:
    return Image.fromarray(np.full((size, size), value, dtype=np.uint8), "L")


def load(path: Path, **options) -> object:
    options.setdefault("image_size", 8)
    return load_dataset(DataConfig(source=str(path), **options))


def only_pixel(path: Path, **options) -> np.ndarray:
    """The loaded value(s) of a folder holding one flat image."""
    data = load(path, **options)
    assert len(data.images) == 1
    return data.images[0, 0, 0]


def test_class_subfolders_become_labels(tmp_path):
    for name, count in (("cat", 2), ("ant", 3), ("bee", 1)):
        (tmp_path / name).mkdir()
        for i in range(count):
            grey(10 * i).save(tmp_path / name / f"{i}.png")
    (tmp_path / "bee" / "deeper").mkdir()
    grey(99).save(tmp_path / "bee" / "deeper" / "x.jpg")  # counts for its top sub-folder
    data = load(tmp_path)
    assert data.class_names == ["ant", "bee", "cat"]
    assert data.labels.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert data.images.shape == (7, 8, 8, 1)
    assert data.report.kind == "folder" and data.report.loaded == 7


def test_images_in_the_root_mean_unlabelled(tmp_path):
    (tmp_path / "sub").mkdir()
    grey(1).save(tmp_path / "a.png")
    grey(2).save(tmp_path / "sub" / "b.png")
    grey(3).save(tmp_path / "C.PNG")  # extensions in any case
    data = load(tmp_path)
    assert data.labels is None and data.class_names == [] and data.num_classes == 0
    assert sorted(data.images[:, 0, 0, 0].tolist()) == [1, 2, 3]


def test_hidden_files_and_folders_are_ignored(tmp_path):
    grey(5).save(tmp_path / "a.png")
    grey(6).save(tmp_path / ".hidden.png")
    (tmp_path / ".cache").mkdir()
    grey(7).save(tmp_path / ".cache" / "b.png")
    assert only_pixel(tmp_path).tolist() == [5]


def test_bad_files_are_skipped_and_reported(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        grey(50 * i).save(tmp_path / f"good{i}.png")
    (tmp_path / "random.png").write_bytes(rng.integers(0, 256, 500, dtype=np.uint8).tobytes())
    (tmp_path / "zero.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("this is not a picture")
    full = tmp_path / "full.png"
    grey(9, size=64).save(full)
    (tmp_path / "truncated.png").write_bytes(full.read_bytes()[:60])
    data = load(tmp_path)
    assert len(data.images) == 4
    reasons = {Path(path).name: reason for path, reason in data.report.skipped}
    assert reasons["random.png"] == "not an image"
    assert reasons["zero.png"] == "empty file"
    assert reasons["text.jpg"] == "not an image"
    assert reasons["truncated.png"].startswith("corrupt or truncated image")
    assert "4 files skipped (2 not an image, 1 corrupt or truncated image, 1 empty file), 1 resized" in data.report.summary()


def test_broken_link_is_skipped(tmp_path):
    grey(1).save(tmp_path / "a.png")
    os.symlink(tmp_path / "gone.png", tmp_path / "link.png")
    data = load(tmp_path)
    assert len(data.images) == 1
    assert data.report.skipped == [(str(tmp_path / "link.png"), "unreadable (No such file or directory)")]


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    grey(1).save(tmp_path / "a.png")
    grey(2).save(tmp_path / "b.png")
    real_open = open

    def no_entry(path, *args, **kwargs):  # chmod 0 does not stop root, so refuse here
        if str(path).endswith("b.png"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(images, "open", no_entry, raising=False)
    data = load(tmp_path)
    assert data.images[:, 0, 0, 0].tolist() == [1]
    assert data.report.skipped == [(str(tmp_path / "b.png"), "unreadable (permission denied)")]


def test_empty_folder_is_an_error_naming_it(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(DataError, match=rf"no images found in {tmp_path}.*\.png"):
        load(tmp_path)


def test_folder_of_only_bad_files_is_an_error(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "b.png").write_bytes(b"junk")
    with pytest.raises(DataError, match=rf"none of the 2 image files in {tmp_path} could be read: a.png: empty file"):
        load(tmp_path)


def test_grey_to_rgb_and_rgb_to_grey(tmp_path):
    (tmp_path / "g").mkdir()
    grey(77).save(tmp_path / "g" / "a.png")
    assert only_pixel(tmp_path / "g", channels=3).tolist() == [77, 77, 77]
    (tmp_path / "c").mkdir()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tmp_path / "c" / "red.png")
    assert only_pixel(tmp_path / "c", channels=1).tolist() == [76]  # Pillow's 0.299 R
    assert only_pixel(tmp_path / "c", channels=3).tolist() == [255, 0, 0]


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    pixels = np.array([[65535, 32768], [0, 257]], dtype=np.uint16)
    image = Image.fromarray(pixels)
    assert image.mode == "I;16"
    image.save(tmp_path / "deep.png")
    data = load(tmp_path, image_size=2)
    assert data.images[0, :, :, 0].tolist() == [[255, 128], [0, 1]]
    assert data.report.resized == 0


def test_palette_image_with_transparency(tmp_path):
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 200, 100, 50] + [0] * 762)
    image.paste(1, (0, 0, 4, 8))
    image.info["transparency"] = 0
    image.save(tmp_path / "p.png", transparency=0)
    data = load(tmp_path, channels=3)
    assert data.images[0, 0, 0].tolist() == [200, 100, 50]
    assert data.images[0, 0, 7].tolist() == [0, 0, 0]


def test_rgba_is_composited_over_black(tmp_path):
    Image.new("RGBA", (8, 8), (255, 255, 255, 128)).save(tmp_path / "half.png")
    assert only_pixel(tmp_path, channels=3).tolist() == [128, 128, 128]
    assert only_pixel(tmp_path, channels=1).tolist() == [128]


def test_grey_alpha_and_cmyk_and_bilevel(tmp_path):
    Image.new("LA", (8, 8), (200, 0)).save(tmp_path / "clear.png")
    Image.new("1", (8, 8), 1).save(tmp_path / "white.bmp")
    Image.new("CMYK", (8, 8), (0, 0, 0, 0)).save(tmp_path / "paper.jpg")
    data = load(tmp_path)
    assert data.images[:, 0, 0, 0].tolist() == [0, 255, 255]


def test_gif_uses_its_first_frame(tmp_path):
    frames = [grey(30).convert("P"), grey(220).convert("P")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    assert abs(int(only_pixel(tmp_path)[0]) - 30) <= 1


def test_non_square_images_are_center_cropped_then_resized(tmp_path):
    wide = np.zeros((10, 30), dtype=np.uint8)
    wide[:, 10:20] = 255  # the middle square is white, the sides black
    Image.fromarray(wide, "L").save(tmp_path / "wide.png")
    grey(1, size=5).save(tmp_path / "right.png")
    data = load(tmp_path, image_size=5, resample="nearest")
    assert data.images[1].min() == 255  # wide.png, after right.png in sorted order
    assert data.report.resized == 1
    assert "1 resized" in data.report.summary()


def test_decompression_bombs_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    grey(1, size=8).save(tmp_path / "small.png")  # 64 pixels: fine
    grey(2, size=12).save(tmp_path / "warn.png")  # 144 pixels: Pillow warns
    grey(3, size=20).save(tmp_path / "error.png")  # 400 pixels, over twice the limit: Pillow raises
    data = load(tmp_path)
    assert data.images[:, 0, 0, 0].tolist() == [1]
    reasons = {Path(path).name: reason for path, reason in data.report.skipped}
    assert reasons == {"warn.png": "image too large (144 pixels)", "error.png": "image too large (400 pixels)"}


def test_names_with_spaces_and_non_ascii(tmp_path):
    folder = tmp_path / "mes données" / "chiffres été"
    folder.mkdir(parents=True)
    grey(42).save(folder / "zéro 0 ü.png")
    grey(43).save(folder / "数字.png")
    data = load(tmp_path / "mes données")
    assert data.class_names == ["chiffres été"]
    assert sorted(data.images[:, 0, 0, 0].tolist()) == [42, 43]
