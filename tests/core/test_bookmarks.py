"""Bookmarks: named latents saved in RUN/bookmarks.json."""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np
import pytest

from gan_studio.core.latent.bookmarks import Bookmark, load_bookmarks, new_bookmark, save_bookmarks
from gan_studio.core.errors import GanStudioError


def test_bookmarks_round_trip(tmp_path):
    assert load_bookmarks(tmp_path) == []
    marks = [
        Bookmark("a seven", [0.1, -2.5, 3.0], label=7, psi=0.7, created="2024-05-01T12:00:00+02:00"),
        new_bookmark("from numpy", np.array([1.5, 0.25, -1.0], np.float32)),
    ]
    save_bookmarks(tmp_path, marks)
    loaded = load_bookmarks(tmp_path)
    assert loaded == marks
    assert loaded[1].z == [1.5, 0.25, -1.0] and loaded[1].label is None and loaded[1].psi == 1.0
    assert dt.datetime.fromisoformat(loaded[1].created).tzinfo is not None
    assert [p.name for p in tmp_path.iterdir()] == ["bookmarks.json"]  # no temporary left behind
    save_bookmarks(tmp_path, marks[:1])
    assert load_bookmarks(tmp_path) == marks[:1]


def test_float32_latents_survive_exactly(tmp_path):
    z = np.random.default_rng(0).standard_normal(100).astype(np.float32)
    save_bookmarks(tmp_path, [new_bookmark("x", z)])
    assert np.array_equal(np.asarray(load_bookmarks(tmp_path)[0].z, np.float32), z)


@pytest.mark.parametrize(
    "text,message",
    [
        ("{not json", "cannot read bookmarks file"),
        ('[{"name": "a", "z": [1]}]', "is not a GAN Studio bookmarks file"),
        ('{"format": "gan-studio-bookmarks", "version": 9, "bookmarks": []}', "has version 9"),
        ('{"format": "gan-studio-bookmarks", "version": 1, "bookmarks": [{"name": "a", "z": ["x"]}]}', "damaged bookmark"),
        ('{"format": "gan-studio-bookmarks", "version": 1, "bookmarks": [{"name": "a", "z": [1], "label": 1.5}]}', "label"),
    ],
)
def test_a_damaged_file_is_an_error_naming_it(tmp_path, text, message):
    path = tmp_path / "bookmarks.json"
    path.write_text(text)
    with pytest.raises(GanStudioError, match=message) as error:
        load_bookmarks(tmp_path)
    assert str(path) in str(error.value)


def test_nothing_invalid_is_written(tmp_path):
    with pytest.raises(GanStudioError):
        save_bookmarks(tmp_path, [Bookmark("nan", [float("nan")])])
    assert not (tmp_path / "bookmarks.json").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_unwritable_run_is_a_clear_error(tmp_path):
    (tmp_path / "bookmarks.json").mkdir()  # a folder in the way fails even for root
    with pytest.raises(GanStudioError, match="cannot write bookmarks file"):
        save_bookmarks(tmp_path, [Bookmark("a", [1.0])])


def test_the_file_is_plain_json(tmp_path):
    save_bookmarks(tmp_path, [Bookmark("a", [1.0, 2.0], label=3)])
    data = json.loads((tmp_path / "bookmarks.json").read_text())
    assert data["format"] == "gan-studio-bookmarks" and data["bookmarks"][0]["z"] == [1.0, 2.0]
