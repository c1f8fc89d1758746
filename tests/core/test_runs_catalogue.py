"""The runs catalogue and ``gan-studio runs``: summaries read from plain files, tolerant of runs being written."""

from __future__ import annotations

import json
import math
import shutil
import time

import pytest

from gan_studio.cli.main import main
from gan_studio.core.errors import RunFolderError
from gan_studio.core.runs.catalogue import ACTIVE_WINDOW_S, best_score, find_run_folders, last_step, rename_run, scan, summarise
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.runs.lock import hold_run

from .tiny_runs import train_tiny_run

LATER = time.time() + 10 * ACTIVE_WINDOW_S  # "now", long after the runs were written: none is training


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory):
    """Two finished tiny runs (2 and 1 epochs), one of them scored by the judge, in runs/."""
    folder = tmp_path_factory.mktemp("catalogue") / "runs"
    train_tiny_run(folder / "alpha", epochs=2)
    train_tiny_run(folder / "beta", epochs=1)
    return folder


def _copy(runs_folder, tmp_path, name="alpha"):
    target = tmp_path / "runs" / name
    shutil.copytree(runs_folder / name, target)
    return target


def test_scan_summarises_every_run(runs_folder):
    catalogue = scan([runs_folder], now=LATER)
    assert catalogue.problems == []
    alpha, beta = catalogue.runs
    assert (alpha.name, alpha.epochs_done, alpha.epochs_planned, alpha.status, alpha.ended) == ("alpha", 2, 2, "finished", "completed")
    assert (beta.name, beta.epochs_done, beta.status) == ("beta", 1, "finished")
    assert alpha.preset == "test" and alpha.model == "mlp 28×28×1"
    assert alpha.data == "64 images, 28×28×1, 10 classes"
    assert alpha.steps == 8 and alpha.images_seen == 8 * 16  # 64 images / batch 16 = 4 steps an epoch
    # The judge scores the built-in digits: the best FCD is the lowest in quality.csv.
    quality = RunFolder.open(alpha.path).read_quality()
    assert alpha.score_name == "FCD" and alpha.best_score == min(row["fcd"] for row in quality)
    assert alpha.best_text.startswith("FCD ")


def test_status_follows_the_recorded_end_and_recent_writes(runs_folder, tmp_path):
    run_path = _copy(runs_folder, tmp_path)
    run = RunFolder.open(run_path)
    assert summarise(run_path, now=LATER).status == "finished"
    run.record_end("diverged", 1, 4)
    summary = summarise(run_path, now=LATER)
    assert (summary.status, summary.status_text) == ("stopped", "stopped (diverged)")
    with hold_run(run_path):  # a process holds the run's lock: training (or paused), whatever was recorded
        assert summarise(run_path, now=LATER).status == "training"
    # No end recorded and no holder: killed (or made before ends were recorded).
    run.info.pop("ended")
    run.save_info()
    assert summarise(run_path).status == "finished"  # all its epochs ran
    run.update_info(config={**run.info["config"], "train": {**run.info["config"]["train"], "epochs": 5}})
    assert summarise(run_path).status == "stopped"  # killed mid-way
    # A run written by a version without the lock: recent writes mean training.
    (run_path / ".lock").unlink()
    assert summarise(run_path).status == "training"
    assert summarise(run_path, now=time.time() + 2 * ACTIVE_WINDOW_S).status == "stopped"


def test_a_run_being_written_is_read_without_its_torn_rows(runs_folder, tmp_path):
    run_path = _copy(runs_folder, tmp_path)
    with open(run_path / "metrics.csv", "a", encoding="utf-8") as handle:
        handle.write("3,9,0.5,1.2,0.7")  # a row still being written: no newline yet
    with open(run_path / "epochs.csv", "a", encoding="utf-8") as handle:
        handle.write("3,12,0.1")
    with open(run_path / "quality.csv", "a", encoding="utf-8") as handle:
        handle.write("3,12,0.5,")
    summary = summarise(run_path, now=LATER)
    assert summary.steps == 8 and last_step(run_path / "metrics.csv") == 8
    assert summary.epochs_done == 2 and math.isfinite(summary.best_score)


def test_unreadable_runs_are_problems_not_failures(runs_folder, tmp_path):
    _copy(runs_folder, tmp_path)
    broken = tmp_path / "runs" / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json", encoding="utf-8")
    nested = tmp_path / "runs" / "project" / "deep"
    shutil.copytree(runs_folder / "beta", nested)
    (tmp_path / "runs" / ".hidden").mkdir()
    shutil.copytree(runs_folder / "beta", tmp_path / "runs" / ".hidden" / "run")
    assert [p.name for p in find_run_folders([tmp_path / "runs", tmp_path / "missing"])] == ["alpha", "broken", "deep"]
    catalogue = scan([tmp_path / "runs"], now=LATER)
    assert [run.name for run in catalogue.runs] == ["alpha", "deep"]
    [(path, message)] = catalogue.problems
    assert path.name == "broken" and "cannot read" in message and "\n" not in message


def test_rename_keeps_the_run_and_refuses_in_one_sentence(runs_folder, tmp_path):
    run_path = _copy(runs_folder, tmp_path)
    renamed = rename_run(run_path, " gamma ", now=LATER)
    assert renamed == run_path.with_name("gamma") and not run_path.exists()
    assert summarise(renamed, now=LATER).epochs_done == 2
    _copy(runs_folder, tmp_path, "beta")
    for name, words in (("beta", "already exists"), ("a/b", "without slashes"), ("", "without slashes")):
        with pytest.raises(RunFolderError, match=words):
            rename_run(renamed, name, now=LATER)
    with hold_run(renamed), pytest.raises(RunFolderError, match="being trained"):
        rename_run(renamed, "delta")


def test_runs_json_lists_every_field(runs_folder, capsys):
    assert main(["runs", str(runs_folder), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["folders"] == [str(runs_folder)] and listing["problems"] == []
    alpha = listing["runs"][0]
    assert set(alpha) == {
        "path", "name", "preset", "model", "data", "epochs_done", "epochs_planned", "steps", "images_seen",
        "score_name", "best_score", "best_epoch", "last_change", "status", "ended", "parent", "created",
    }
    assert (alpha["name"], alpha["epochs_done"], alpha["status"], alpha["score_name"]) == ("alpha", 2, "finished", "FCD")
    assert isinstance(alpha["best_score"], float) and alpha["last_change"][:4].isdigit()


def test_runs_prints_a_table(runs_folder, capsys):
    assert main(["runs", str(runs_folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["name", "preset", "data"]
    assert lines[1].startswith("alpha") and "2/2" in lines[1] and "FCD" in lines[1] and lines[1].endswith("finished")


def test_the_score_is_an_fcd_with_classes_and_an_fd_without():
    classifier = [{"epoch": 1.0, "fcd": 30.0, "modes_covered": 9.0}, {"epoch": 2.0, "fcd": 20.0, "modes_covered": 10.0}]
    encoder = [{"epoch": 1.0, "fcd": 5.0, "diversity": 1.0}, {"epoch": 2.0, "fcd": 7.0, "diversity": 1.0}]
    assert best_score(classifier) == ("FCD", 20.0, 2)
    assert best_score(encoder) == ("FD", 5.0, 1)
    name, value, epoch = best_score([{"epoch": 1.0, "diversity": 0.5}])  # pixel metrics only: no score
    assert (name, epoch) == ("", 0) and math.isnan(value)
