"""The tutorial's CSV layout, IDX (MNIST) files and NumPy .npz / .npy files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.config import DataConfig
from gan_studio.core.data import load_dataset
from gan_studio.core.errors import DataError


def load(path: Path, **options):
    options.setdefault("image_size", 4)
    return load_dataset(DataConfig(source=str(path), **options))


# -- the tutorial layout -------------------------------------------------------------------------


def tutorial(root: Path, rows: list[str]) -> Path:
    (root / "Images" / "train").mkdir(parents=True)
    for i in range(4):
        Image.fromarray(np.full((4, 4), 10 + i, dtype=np.uint8), "L").save(root / "Images" / "train" / f"{i}.png")
    (root / "train.csv").write_text("\n".join(["filename,label", *rows]) + "\n", encoding="utf-8")
    return root


def test_tutorial_layout_loads_and_reports_bad_rows(tmp_path):
    rows = ["0.png,4", "1.png,9", "gone.png,4", "2.png,4,extra", "3.png,seven", "3.png,7", ""]
    root = tutorial(tmp_path, rows)
    for source in (root, root / "train.csv"):
        data = load(source)
        assert data.report.kind == "tutorial-csv"
        assert data.images[:, 0, 0, 0].tolist() == [10, 11, 13]
        assert data.class_names == ["4", "7", "9"] and data.labels.tolist() == [0, 2, 1]
        reasons = dict(data.report.skipped)
        assert reasons[f"{root / 'train.csv'} row 5"] == "malformed row (3 columns, expected 2)"
        assert reasons[f"{root / 'train.csv'} row 6"] == "malformed row (label 'seven' is not an integer)"
        assert reasons[str(root / "Images" / "train" / "gone.png")] == "file missing (row 4 of train.csv)"
        assert data.report.summary() == "3 images loaded, 3 rows skipped (2 malformed row, 1 file missing)"


def test_tutorial_csv_without_the_columns_is_an_error(tmp_path):
    root = tutorial(tmp_path, [])
    (root / "train.csv").write_text("name,digit\n0.png,1\n")
    with pytest.raises(DataError, match=r"train\.csv needs the columns filename, label \(columns found: name, digit\)"):
        load(root)


def test_tutorial_csv_with_no_readable_image_is_an_error(tmp_path):
    root = tutorial(tmp_path, ["gone.png,1"])
    with pytest.raises(DataError, match="none of the 1 files listed"):
        load(root)


# -- IDX -----------------------------------------------------------------------------------------


def idx_bytes(values: np.ndarray, code: int = 0x08) -> bytes:
    header = struct.pack(">BBBB", 0, 0, code, values.ndim) + struct.pack(f">{values.ndim}I", *values.shape)
    return header + values.astype(">u1").tobytes()


def digits(count: int = 6) -> tuple[np.ndarray, np.ndarray]:
    images = np.arange(count * 16, dtype=np.uint8).reshape(count, 4, 4)
    return images, np.arange(count) % 3


@pytest.mark.parametrize("gz", [False, True])
def test_idx_with_labels_beside_it(tmp_path, gz):
    images, labels = digits()
    suffix = ".gz" if gz else ""
    pack = gzip.compress if gz else bytes
    (tmp_path / f"t10k-images-idx3-ubyte{suffix}").write_bytes(pack(idx_bytes(images)))
    (tmp_path / f"t10k-labels-idx1-ubyte{suffix}").write_bytes(pack(idx_bytes(labels)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(9, dtype=np.uint8)))  # not its pair
    data = load(tmp_path / f"t10k-images-idx3-ubyte{suffix}")
    assert data.report.kind == "idx"
    assert np.array_equal(data.images[..., 0], images)
    assert data.labels.tolist() == labels.tolist() and data.class_names == ["0", "1", "2"]
    assert data.images.flags.writeable and data.labels.flags.writeable  # torch.from_numpy needs this


def test_idx_found_by_its_magic_and_unlabelled_without_a_labels_file(tmp_path):
    images, _ = digits()
    (tmp_path / "pictures.bin").write_bytes(idx_bytes(images))
    data = load(tmp_path / "pictures.bin")
    assert data.labels is None and "unlabelled" in data.report.summary()


def test_idx_wrong_magic_is_an_error(tmp_path):
    images, _ = digits()
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34" + idx_bytes(images)[2:])
    with pytest.raises(DataError, match=rf"{path} is not an IDX file: wrong magic number 12 34 08 03"):
        load(path)


def test_idx_unknown_dtype_code_is_an_error(tmp_path):
    images, _ = digits()
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_bytes(images, code=0x07))
    with pytest.raises(DataError, match="unknown IDX dtype code 0x07"):
        load(path)


def test_idx_short_body_is_an_error(tmp_path):
    images, _ = digits()
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_bytes(images)[:-5])
    with pytest.raises(DataError, match=rf"{path} is truncated: its header says 6×4×4 values \(96 bytes\)"):
        load(path)


def test_idx_label_count_mismatch_is_an_error(tmp_path):
    images, _ = digits()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(images))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, dtype=np.uint8)))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte holds 5 labels but there are 6 images"):
        load(tmp_path / "train-images-idx3-ubyte")


def test_idx_labels_file_chosen_by_mistake(tmp_path):
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, dtype=np.uint8)))
    with pytest.raises(DataError, match="labels file; choose the images file"):
        load(tmp_path / "train-labels-idx1-ubyte")


# -- NumPy files ---------------------------------------------------------------------------------

BASE = np.arange(3 * 16, dtype=np.uint8).reshape(3, 4, 4)  # three 4x4 grey images


@pytest.mark.parametrize(
    "array",
    [
        BASE,  # N x H x W
        BASE[..., None],  # N x H x W x 1
        BASE[:, None],  # N x 1 x H x W
        BASE.astype(np.float32) / 255,  # floats in [0, 1]
        BASE.astype(np.float64) / 127.5 - 1,  # floats in [-1, 1]
        BASE.astype(np.int32),  # other integers, already in range
    ],
    ids=["nhw", "nhwc", "nchw", "unit-float", "signed-float", "int32"],
)
def test_npy_layouts(tmp_path, array):
    np.save(tmp_path / "x.npy", array)
    data = load(tmp_path / "x.npy")
    assert data.report.kind == "npy" and data.labels is None
    assert np.abs(data.images[..., 0].astype(int) - BASE).max() <= 1


def test_npy_rgb_layouts_agree(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    np.save(tmp_path / "nhwc.npy", rgb)
    np.save(tmp_path / "nchw.npy", rgb.transpose(0, 3, 1, 2))
    rgba = np.concatenate([rgb, np.full((2, 4, 4, 1), 255, dtype=np.uint8)], axis=-1)
    np.save(tmp_path / "rgba.npy", rgba)
    for name in ("nhwc", "nchw", "rgba"):
        assert np.array_equal(load(tmp_path / f"{name}.npy", channels=3).images, rgb), name
    # arrays and files turn colour into grey the same way (Pillow's weights)
    grey = load(tmp_path / "nhwc.npy", channels=1).images[..., 0]
    expected = [np.asarray(Image.fromarray(image, "RGB").convert("L")) for image in rgb]
    assert np.array_equal(grey, np.stack(expected))


def test_npy_out_of_range_integers_are_clipped_with_a_note(tmp_path):
    np.save(tmp_path / "x.npy", np.array([[[-5, 300], [0, 128]]], dtype=np.int16))
    data = load(tmp_path / "x.npy", image_size=2)
    assert data.images[0, :, :, 0].tolist() == [[0, 255], [0, 128]]
    assert "clipped" in data.report.summary()


def test_npz_keys_labels_and_resize(tmp_path):
    labels = np.array([5, 2, 5])
    np.savez(tmp_path / "d.npz", x_train=BASE, y_train=labels)
    data = load(tmp_path / "d.npz", image_size=8, channels=3)
    assert data.report.kind == "npz" and data.images.shape == (3, 8, 8, 3)
    assert data.report.resized == 3
    assert data.class_names == ["2", "5"] and data.labels.tolist() == [1, 0, 1]
    np.savez(tmp_path / "only.npz", pictures=BASE)
    assert load(tmp_path / "only.npz").labels is None


def test_npz_without_an_images_key_is_an_error(tmp_path):
    np.savez(tmp_path / "d.npz", a=BASE, b=BASE)
    with pytest.raises(DataError, match=r"no images array.*arrays found: a, b"):
        load(tmp_path / "d.npz")


@pytest.mark.parametrize("shape", [(3, 4), (3, 4, 4, 2), (2, 3, 4, 4, 1)])
def test_wrong_shape_is_an_error_naming_file_key_and_shape(tmp_path, shape):
    np.savez(tmp_path / "bad.npz", images=np.zeros(shape, dtype=np.uint8))
    with pytest.raises(DataError, match=rf"bad\.npz, key 'images' has shape \({', '.join(map(str, shape))}\)"):
        load(tmp_path / "bad.npz")


def test_wrong_dtype_and_bad_labels_are_errors(tmp_path):
    np.save(tmp_path / "text.npy", np.array([[["a"]]]))
    with pytest.raises(DataError, match="text.npy holds <U1 values"):
        load(tmp_path / "text.npy")
    np.savez(tmp_path / "d.npz", images=BASE, labels=np.array([0, 1]))
    with pytest.raises(DataError, match="key 'labels' holds 2 labels but there are 3 images"):
        load(tmp_path / "d.npz")


def test_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"cannot read .*x\.npy as a NumPy file"):
        load(tmp_path / "x.npy")


def test_corrupt_npz_is_an_error(tmp_path):
    (tmp_path / "d.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match=r"cannot read .*d\.npz"):
        load(tmp_path / "d.npz")
