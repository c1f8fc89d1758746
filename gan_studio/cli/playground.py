"""``gan-studio playground train|sample|render``: the Playground tab's engine from the command line.

    gan-studio playground train --dist ring --preset remedy --steps 5000 --out RUN
    gan-studio playground sample RUN --n 2500 --out points.csv
    gan-studio playground render RUN --out frame.png

Imports neither torch nor Qt until a command runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from ..core.errors import ConfigError
from ..core.playground.config import DISTRIBUTIONS, LOSSES, OPTIMIZERS, PRESETS, preset_config
from .progress import ProgressBar

COVERAGE_SAMPLES = 2500  # PacGAN's count (num_log_figure_sample)


def add_playground_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("playground", help="tiny GANs on 2-D points: train, sample, render",
                                   description="Train tiny GANs on 2-D distributions, as the Playground tab does.")
    commands = parser.add_subparsers(dest="playground_command", metavar="COMMAND", required=True)
    train = commands.add_parser("train", help="train a playground run")
    train.add_argument("--dist", default="ring", choices=DISTRIBUTIONS, help="the distribution (default: %(default)s)")
    train.add_argument("--points", help="a CSV of x,y points, for --dist csv")
    train.add_argument("--preset", default="plain", choices=sorted(PRESETS), help="plain or remedy (default: %(default)s)")
    train.add_argument("--pack", type=int, help="PacGAN packing: samples D judges at once")
    train.add_argument("--steps", type=int, help="generator updates (default: the preset's)")
    train.add_argument("--loss", choices=LOSSES, help="adversarial loss")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help="optimiser of both players")
    train.add_argument("--lr-g", type=float, help="generator learning rate")
    train.add_argument("--lr-d", type=float, help="discriminator learning rate")
    train.add_argument("--d-steps", type=int, help="D updates per G update")
    train.add_argument("--batch", type=int, help="batch size (packs per update)")
    train.add_argument("--z-dim", type=int, help="noise dimension")
    train.add_argument("--gp", type=float, help="gradient penalty weight on D (0 = off)")
    train.add_argument("--seed", type=int, help="random seed")
    train.add_argument("--threads", type=int, default=1, help="CPU threads (default: %(default)s)")
    train.add_argument("--out", type=Path, required=True, help="the run folder to create")
    train.add_argument("--quiet", action="store_true", help="print only the final lines")
    sample = commands.add_parser("sample", help="write points drawn from a run's generator as CSV")
    sample.add_argument("run", type=Path)
    sample.add_argument("--n", type=int, default=COVERAGE_SAMPLES, help="how many points (default: %(default)s)")
    sample.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s)")
    sample.add_argument("--out", type=Path, required=True, help="the CSV to write, one x,y per line")
    render = commands.add_parser("render", help="draw a run's views as a PNG")
    render.add_argument("run", type=Path)
    render.add_argument("--out", type=Path, required=True, help="the PNG to write")
    render.add_argument("--size", type=int, default=480, help="pixels a side (default: %(default)s)")
    render.add_argument("--views", default="surface,manifold,real,fake,arrows",
                        help="comma-separated views to draw (default: %(default)s)")
    return parser


def config_from_args(args: argparse.Namespace):  # noqa: ANN201 - a PlaygroundConfig
    overrides = {
        "dist": args.dist, "points_csv": str(Path(args.points).expanduser().resolve()) if args.points else None,
        "pack": args.pack, "steps": args.steps, "loss": args.loss, "optimizer": args.optimizer,
        "lr_g": args.lr_g, "lr_d": args.lr_d, "d_steps": args.d_steps, "batch_size": args.batch,
        "z_dim": args.z_dim, "gp_weight": args.gp, "seed": args.seed, "threads": args.threads,
    }
    return preset_config(args.preset, **{k: v for k, v in overrides.items() if v is not None})


def describe_coverage(dist: str, coverage) -> str:  # noqa: ANN001 - a Coverage
    return (f"{dist}: {coverage.modes_captured}/{coverage.modes} modes, {coverage.high_quality:.1%} high quality, "
            f"reverse KL {coverage.reverse_kl:.3f} ({COVERAGE_SAMPLES:,} samples)")


def run_playground(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    return {"train": _train, "sample": _sample, "render": _render}[args.playground_command](args, out, err)


def _train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.events import Finished, FinishReason
    from ..core.playground.coverage import mode_coverage
    from ..core.playground.events import Frame
    from ..core.playground.trainer import PlaygroundTrainer

    config = config_from_args(args)
    bar = ProgressBar(err, args.quiet, "playground")
    # Frames only feed the bar (twice a second, ~10 ms of views each): none when it draws nothing.
    trainer = PlaygroundTrainer.new(config, args.out, steps=config.steps, frames=bar.live)
    trainer.frames_per_second = 2
    interrupted = False

    def on_interrupt(signum, frame):  # noqa: ANN001 - first Ctrl-C: stop and save; a second one aborts
        nonlocal interrupted
        interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        trainer.commands.stop()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    finished = None
    try:
        for event in trainer.events():
            if isinstance(event, Frame):
                detail = f" {event.coverage.modes_captured}/{event.coverage.modes} modes" if event.coverage else ""
                bar.show(event.g_updates, config.steps, unit="step ", detail=detail)
            elif isinstance(event, Finished):
                finished = event
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.clear()
    if finished is None:
        return 1
    out.write(finished.message + "\n")
    steps = trainer.steps
    if steps.distribution.mixture is not None:
        coverage = mode_coverage(steps.sample(COVERAGE_SAMPLES, seed=config.seed), steps.distribution.mixture)
        out.write(describe_coverage(config.dist, coverage) + "\n")
        trainer.run.info["coverage"] = {"modes_captured": coverage.modes_captured, "modes": coverage.modes,
                                        "high_quality": coverage.high_quality, "reverse_kl": coverage.reverse_kl,
                                        "samples": COVERAGE_SAMPLES, "g_updates": steps.g_updates}
        trainer.run.save_info()
    return 130 if interrupted or finished.reason is FinishReason.STOPPED else 0


def _sample(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.playground.distributions import write_points_csv
    from ..core.playground.trainer import load_players

    if args.n < 1:
        raise ConfigError("--n must be at least 1")
    write_points_csv(args.out, load_players(args.run).sample(args.n, args.seed))
    out.write(f"wrote {args.n} points to {args.out}\n")
    return 0


def _render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.playground.render import VIEWS, render_frame, save_png
    from ..core.playground.trainer import load_players
    from ..core.playground.views import ViewMaker

    views = [v.strip() for v in args.views.split(",") if v.strip()]
    unknown = sorted(set(views) - set(VIEWS))
    if unknown:
        raise ConfigError(f"unknown view(s) {', '.join(unknown)}; choose from {', '.join(VIEWS)}")
    if not 64 <= args.size <= 4096:
        raise ConfigError("--size must be from 64 to 4096 pixels")
    steps = load_players(args.run)
    save_png(render_frame(ViewMaker(steps, steps.config.seed).frame(), views, args.size), args.out)
    out.write(f"wrote {args.out}\n")
    return 0
