"""The explorer's principal directions as files: JSON to read, or .npz in GANSpace's layout.

GANSpace (Härkönen et al. 2020) saves its components with ``np.savez``: ``lat_comp`` (k, 1,
z_dim) unit vectors in z, ``lat_mean`` (1, z_dim), ``lat_stdev`` (k,) the spread along each,
``var_ratio`` (k,) the share of the activation variance each explains, and the activation-space
side (``act_comp``, ...). The .npz written here has the four latent-side arrays under those
names, so GANSpace's own loaders read it, plus ``gan_studio`` (a JSON string: the generator it
came from); reading accepts GANSpace's files. The JSON form holds the same numbers, one object
per direction.

numpy and json only (no torch): the window reads and writes these on its own thread; they are a
few kilobytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_file, write_text_atomic
from ..errors import GanStudioError

FORMAT = "gan-studio-directions"
VERSION = 1
SUFFIXES = (".json", ".npz")


@dataclass
class Directions:
    vectors: np.ndarray  # (k, z_dim) unit vectors in latent space
    explained: np.ndarray  # (k,) fraction of the activation variance each explains (descending)
    sigma: np.ndarray  # (k,) std dev of sample coordinates along each vector: slider ±3 means ±3*sigma


def save_directions(path: Path | str, directions: Directions, about: dict[str, Any] | None = None) -> Path:
    """Write ``directions`` as ``path`` (.json or .npz); ``about``: where they came from
    (generator, epoch, class), kept in the file."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise GanStudioError(f"directions are saved as .json or .npz, not {path.suffix or 'a file without a suffix'}")
    vectors, explained, sigma = _checked(directions.vectors, directions.explained, directions.sigma, str(path))
    about = {"format": FORMAT, "version": VERSION, "z_dim": int(vectors.shape[1]), **(about or {})}
    if suffix == ".json":
        entries = [{"name": f"PC{i + 1}", "explained_variance": float(explained[i]), "sigma": float(sigma[i]),
                    "vector": [float(v) for v in vectors[i]]} for i in range(len(vectors))]
        write_text_atomic(path, json.dumps({**about, "directions": entries}, indent=1))
        return path
    buffer = io.BytesIO()
    np.savez(buffer, lat_comp=vectors[:, None, :], lat_mean=np.zeros((1, vectors.shape[1]), np.float32),
             lat_stdev=sigma, var_ratio=explained, gan_studio=np.array(json.dumps(about)))
    with atomic_file(path) as handle:
        handle.write(buffer.getvalue())
    return path


def load_directions(path: Path | str, z_dim: int | None = None) -> tuple[Directions, dict[str, Any]]:
    """(the directions in ``path``, what the file says about where they came from); a
    GanStudioError naming the file when it cannot be read or does not fit ``z_dim``."""
    path = Path(path).expanduser()
    try:
        if path.suffix.lower() == ".json":
            vectors, explained, sigma, about = _from_json(path)
        elif path.suffix.lower() == ".npz":
            vectors, explained, sigma, about = _from_npz(path)
        else:
            raise GanStudioError(f"{path} is not a .json or .npz file of directions")
    except OSError as error:
        raise GanStudioError(f"cannot read {path}: {error.strerror or error}") from None
    vectors, explained, sigma = _checked(vectors, explained, sigma, str(path))
    if z_dim is not None and vectors.shape[1] != z_dim:
        raise GanStudioError(f"{path.name} holds directions in {vectors.shape[1]} latent dimensions; this generator has {z_dim}")
    return Directions(vectors, explained, sigma), about


def _from_json(path: Path):
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        entries = info["directions"]
        vectors = [entry["vector"] for entry in entries]
        explained = [entry.get("explained_variance", 0.0) for entry in entries]
        sigma = [entry.get("sigma", 1.0) for entry in entries]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise GanStudioError(f"{path} is not a file of directions ({type(error).__name__}: {error})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise GanStudioError(f"{path} is not a GAN Studio directions file")
    about = {k: v for k, v in info.items() if k != "directions"}
    return vectors, explained, sigma, about


def _from_npz(path: Path):
    try:
        # Our own handle: np.load leaks the one it opens when the zip is broken.
        with open(path, "rb") as handle:
            arrays = np.load(handle, allow_pickle=False)  # never unpickles: a file can hold code
            if not isinstance(arrays, np.lib.npyio.NpzFile):
                raise GanStudioError(f"{path} is a single array, not an .npz of directions")
            if "lat_comp" not in arrays:
                raise GanStudioError(f"{path} holds no lat_comp array (GANSpace's latent directions)")
            vectors = arrays["lat_comp"]
            vectors = vectors.reshape(vectors.shape[0], -1) if vectors.ndim >= 2 else vectors
            sigma = arrays["lat_stdev"] if "lat_stdev" in arrays else np.ones(len(vectors))
            explained = arrays["var_ratio"] if "var_ratio" in arrays else np.zeros(len(vectors))
            about = json.loads(str(arrays["gan_studio"])) if "gan_studio" in arrays else {"format": "ganspace"}
    except (ValueError, zipfile.BadZipFile, EOFError) as error:
        raise GanStudioError(f"cannot read {path} as a NumPy file: {str(error).splitlines()[0][:160]}") from None
    return vectors, explained, sigma, about if isinstance(about, dict) else {}


def _checked(vectors, explained, sigma, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        vectors = np.asarray(vectors, np.float32)
        explained, sigma = np.asarray(explained, np.float32).reshape(-1), np.asarray(sigma, np.float32).reshape(-1)
    except (ValueError, TypeError) as error:
        raise GanStudioError(f"{where}: the directions are not arrays of numbers ({error})") from None
    if vectors.ndim != 2 or not 1 <= len(vectors) or vectors.shape[1] < 1:
        raise GanStudioError(f"{where}: the directions must be k vectors of z_dim numbers, got shape {vectors.shape}")
    if explained.shape != (len(vectors),) or sigma.shape != (len(vectors),):
        raise GanStudioError(f"{where}: {len(vectors)} directions need {len(vectors)} variances and spreads")
    if not (np.isfinite(vectors).all() and np.isfinite(explained).all() and np.isfinite(sigma).all()):
        raise GanStudioError(f"{where}: the directions hold values that are not finite numbers")
    if (np.linalg.norm(vectors, axis=1) < 1e-6).any() or (sigma < 0).any() or (explained < 0).any() or explained.sum() > 1.0001:
        raise GanStudioError(f"{where}: a direction is zero, or a spread or variance share is out of range")
    return vectors, explained, sigma
