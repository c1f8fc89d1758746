"""Train the shipped judge (gan_studio/core/judge.py) on the built-in digits; writes judge.safetensors/.json.

    python resources/tools/train_judge.py [--epochs 30] [--threads 2] [--out resources/]

The 1,000 held-out digits (100 per class, ``quality.heldout_split``: a hash rule that needs only
digits.npz) are never trained on; they are the reference real set of every quality report and
give the accuracy printed at the end. Training sees the other 4,000 with light augmentation
(shifts of up to 2 px, rotations of up to 10 degrees, scale 0.9-1.1), in the same training loop
that trains a judge for a user's labelled data (``gan_studio.core.quality.judge_training``). A few
minutes of CPU; fully seeded.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from gan_studio.core.atomic import atomic_path, write_text_atomic
from gan_studio.core.quality.judge import ARCHITECTURE
from gan_studio.core.quality.judge_training import BATCH, LEARNING_RATE, accuracy, calibrate_feature_scale, fit, new_judge
from gan_studio.core.quality.splits import HELDOUT_RULE, SPLIT_SEED, heldout_split

RESOURCES = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESOURCES, help="folder for judge.safetensors and judge.json (default: resources/)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(args.seed)

    digits = RESOURCES / "digits.npz"
    with np.load(digits, allow_pickle=False) as arrays:
        images, labels = arrays["images"], arrays["labels"]
    train_idx, heldout_idx = heldout_split(labels, seed=SPLIT_SEED)
    as_tensor = lambda idx: torch.from_numpy(images[idx]).permute(0, 3, 1, 2)  # noqa: E731 - uint8 NCHW
    x_train, y_train = as_tensor(train_idx), torch.from_numpy(labels[train_idx]).long()
    x_held, y_held = as_tensor(heldout_idx), torch.from_numpy(labels[heldout_idx]).long()

    model = new_judge(1, 10, generator)
    start = time.perf_counter()

    def report(epoch: int, loss: float) -> None:
        print(f"epoch {epoch:2d}  loss {loss:.4f}  held-out accuracy {accuracy(model, x_held, y_held):.4f}"
              f"  ({time.perf_counter() - start:.0f} s)", flush=True)

    fit(model, x_train, y_train, args.epochs, generator, batch=args.batch, lr=args.lr, on_epoch=report)
    seconds = time.perf_counter() - start
    scale = calibrate_feature_scale(model, x_train)  # feature RMS of 1 on the training digits
    held = accuracy(model, x_held, y_held)
    print(f"held-out accuracy {held:.4f} ({int(round(held * len(y_held)))}/{len(y_held)}), "
          f"train accuracy {accuracy(model, x_train, y_train):.4f}, {seconds:.0f} s")
    if held <= 0.97:
        print("WARNING: below the 97% target")

    weights = args.out / "judge.safetensors"
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(weights) as temporary:
        save_file(state, str(temporary), metadata={"architecture": ARCHITECTURE})
        temporary.chmod(0o644)  # safetensors writes 0600; the file ships to every user of an install
    info = {
        "accuracy": round(held, 4),
        "split_seed": SPLIT_SEED,
        "heldout_indices_rule": HELDOUT_RULE,
        # sha256 of the held-out indices as little-endian int64: a test checks the rule still gives them.
        "heldout_sha256": hashlib.sha256(heldout_idx.astype("<i8").tobytes()).hexdigest(),
        "architecture": ARCHITECTURE,
        "parameters": sum(p.numel() for p in model.parameters()),
        "training": f"{len(train_idx)} digits, {args.epochs} epochs, batch {args.batch}, AdamW lr {args.lr} one-cycle, "
                    "augmentation: shift <= 2 px, rotation <= 10 deg, scale 0.9-1.1",
        "feature_scale": round(scale, 6),
        "train_seconds": round(seconds, 1),
        "torch": torch.__version__,
        "digits_sha256": hashlib.sha256(digits.read_bytes()).hexdigest(),
        "trained": datetime.date.today().isoformat(),
    }
    write_text_atomic(args.out / "judge.json", json.dumps(info, indent=2) + "\n")
    (args.out / "judge.json").chmod(0o644)
    print(f"wrote {weights} ({weights.stat().st_size / 1e3:.0f} kB) and judge.json")


if __name__ == "__main__":
    main()
