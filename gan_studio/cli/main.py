"""The ``gan-studio`` command: sub-commands over the Qt-free core; no sub-command opens the window.

Errors a user can fix (bad input, an unreadable or unwritable file) print as one line and exit
with status 2; a run that diverges or runs out of memory exits with status 1; Ctrl-C stops training
at the next step, saves a checkpoint and exits with status 130.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__
from ..core.config import (
    LOSSES, MODEL_ARCHS, PRESETS, SCHEDULES, UPSAMPLES, Machine, RunConfig, load_config_file, preset_config, validate,
)
from ..core.errors import ConfigError, GanStudioError, is_out_of_memory
from ..core.jobs import user_message
from ..bench.command import add_bench_parser, run_bench
from .evaluate import add_evaluate_parser, run_evaluate
from .export import add_export_parser, run_export
from .judge import add_judge_parser, run_judge
from .playground import add_playground_parser, run_playground
from .project import add_project_parser, run_project
from .distributed import add_nproc_argument, launch_local, launched_by_torchrun, run_rank
from .recipe import add_recipe_arguments, apply_chosen_recipe, explicit_keys
from .training import drive_training
from .compare import add_compare_parser, run_compare
from .runs import add_runs_parser, run_runs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gan-studio",
        description="Train a GAN and watch it learn. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"gan-studio {__version__}")
    parser.add_argument("--self-test", action="store_true", help="open the window, train one short epoch, exit 0 on success")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a new run", description="Train a new run on the built-in digits or your data.")
    train.add_argument("--preset", choices=sorted(PRESETS), help="starting configuration (default: default; with --init-from, the parent's)")
    train.add_argument("--config", type=Path, help="a run config JSON file (e.g. a run's run.json 'config' saved alone)")
    train.add_argument("--out", type=Path, help="run folder to create (default: a new folder under ./runs)")
    train.add_argument("--init-from", metavar="RUN[:best|last|PATH]", help="start from another run's G and D (fine-tune): its best checkpoint, else its last")
    train.add_argument("--init-optimizers", action="store_true", help="with --init-from: also take both optimisers' state")
    data = train.add_argument_group("data")
    data.add_argument("--data", help="image folder, tutorial folder with train.csv, IDX or .npz/.npy file (default: built-in digits)")
    data.add_argument("--size", type=int, help="image side in pixels")
    data.add_argument("--channels", type=int, choices=(1, 3), help="1 = grayscale, 3 = RGB")
    data.add_argument("--limit", type=int, help="use at most this many images")
    model = train.add_argument_group("model and loss")
    model.add_argument("--model", choices=sorted(MODEL_ARCHS), help="generator/discriminator architecture")
    model.add_argument("--width", type=int, help="DCGAN channel width")
    model.add_argument("--upsample", choices=list(UPSAMPLES),
                       help="DCGAN generator: transposed convolutions, or resize + convolution (no checkerboard)")
    model.add_argument("--conditional", action="store_true", default=None, help="class-conditional G and D")
    model.add_argument("--loss", choices=list(LOSSES), help="adversarial loss")
    model.add_argument("--schedule", choices=list(SCHEDULES), help="player update schedule")
    model.add_argument("--d-steps", type=int, help="discriminator steps per generator step (alternating)")
    model.add_argument("--ema", type=float, help="EMA decay of a sampling copy of G (e.g. 0.999)")
    model.add_argument("--label-smoothing", type=float, help="one-sided label smoothing, e.g. 0.1")
    optim = train.add_argument_group("optimisation")
    optim.add_argument("--epochs", type=int, help="number of epochs")
    optim.add_argument("--minutes", type=float, help="or stop at the first epoch end after M minutes of training (0 = no limit)")
    optim.add_argument("--batch", type=int, help="batch size")
    optim.add_argument("--lr", type=float, help="learning rate of both players")
    optim.add_argument("--lr-g", type=float, help="generator learning rate")
    optim.add_argument("--lr-d", type=float, help="discriminator learning rate")
    optim.add_argument("--seed", type=int, help="random seed (same seed, same run on CPU)")
    optim.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    optim.add_argument("--threads", type=int, help="CPU threads (0 = all cores but one)")
    optim.add_argument("--checkpoint-every", type=int, help="keep a numbered checkpoint every N epochs")
    add_recipe_arguments(train)
    train.add_argument("--quiet", action="store_true", help="print only errors and the final line")
    add_nproc_argument(train)

    resume = commands.add_parser("resume", help="continue a run from its last checkpoint")
    resume.add_argument("run", type=Path, help="the run folder")
    resume.add_argument("--epochs", type=int, help="train this many more epochs (default: to the run's planned end)")
    resume.add_argument("--minutes", type=float,
                        help="stop at the first epoch end after M minutes of training (default: the run's own limit; 0 = none)")
    resume.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps, wherever the run trained before (default: %(default)s)")
    resume.add_argument("--threads", type=int, default=0, help="CPU threads (default: 0 = all cores but one)")
    resume.add_argument("--quiet", action="store_true")
    add_nproc_argument(resume)

    sample = commands.add_parser("sample", help="draw samples from a run's generator")
    sample.add_argument("run", type=Path, help="a run folder or a checkpoint file")
    sample.add_argument("--n", type=int, default=64, help="how many samples (default: %(default)s)")
    sample.add_argument("--out", type=Path, required=True, help="a .png file for a grid, or a folder for single PNGs")
    sample.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s)")
    sample.add_argument("--class", dest="class_index", type=int, help="class to draw (conditional models)")

    add_export_parser(commands)
    add_evaluate_parser(commands)
    add_judge_parser(commands)
    add_project_parser(commands)
    add_bench_parser(commands)
    add_runs_parser(commands)
    add_compare_parser(commands)
    add_playground_parser(commands)
    commands.add_parser("presets", help="list the presets")
    return parser


def _overrides(args: argparse.Namespace) -> dict[tuple[str, str], object]:
    return {
        ("data", "source"): args.data,
        ("data", "image_size"): args.size,
        ("data", "channels"): args.channels,
        ("data", "limit"): args.limit,
        ("model", "arch"): args.model,
        ("model", "width"): args.width,
        ("model", "upsample"): args.upsample,
        ("model", "conditional"): args.conditional,
        ("train", "loss"): args.loss,
        ("train", "schedule"): args.schedule,
        ("train", "d_steps"): args.d_steps,
        ("train", "ema_decay"): args.ema,
        ("train", "label_smoothing"): args.label_smoothing,
        ("train", "epochs"): args.epochs,
        ("train", "minutes"): args.minutes,
        ("train", "batch_size"): args.batch,
        ("train", "lr_g"): args.lr_g if args.lr_g is not None else args.lr,
        ("train", "lr_d"): args.lr_d if args.lr_d is not None else args.lr,
        ("train", "seed"): args.seed,
        ("train", "device"): args.device,
        ("train", "threads"): args.threads,
        ("train", "checkpoint_every"): args.checkpoint_every,
    }


def config_from_args(args: argparse.Namespace, base: RunConfig | None = None) -> RunConfig:
    """The options applied to --config, else --preset, else ``base`` (a parent's), else the default preset."""
    if args.config:
        config = load_config_file(args.config)
    else:
        config = base.copy() if args.preset is None and base is not None else preset_config(args.preset or "default")
    for (section, name), value in _overrides(args).items():
        if value is not None:
            setattr(getattr(config, section), name, value)
    if args.data is not None:
        config.data.source = str(Path(args.data).expanduser().resolve())
    validate(config)
    return config


def cmd_train(args: argparse.Namespace) -> int:
    if args.out is not None:
        _refuse_if_written(args.out)
    from ..core.runs.folder import new_run_name
    from ..core.train.trainer import Trainer

    parent = None
    if args.init_from and (args.nproc is not None or launched_by_torchrun()):
        raise ConfigError("--init-from works in one process only for now: leave out --nproc (and torchrun)")
    if args.init_from:
        from ..core.runs.lineage import InitFrom
        from ..core.train.init_from import open_parent

        parent = open_parent(InitFrom.parse(args.init_from, args.init_optimizers))
    elif args.init_optimizers:
        raise ConfigError("--init-optimizers needs --init-from RUN")
    config = config_from_args(args, parent.config if parent is not None else None)
    dataset = None
    if parent is None:  # a run initialised from another keeps its parent's settings
        config, dataset = apply_chosen_recipe(config, args, explicit_keys(_overrides(args)))
    out = args.out if args.out is not None else Path("runs") / new_run_name(config)
    if args.nproc is not None:  # every rank must write into the one folder named here
        args.out = out
        return launch_local(args, [*args.argv, *([] if "--out" in args.argv else ["--out", str(out)])])
    if launched_by_torchrun():
        from ..core.train.distributed_session import DistributedTrainer

        return run_rank(lambda context: DistributedTrainer.new(config, out, context), config.train.device, args.quiet)
    return drive_training(Trainer.new(config, out, dataset=dataset, init_from=parent), args.quiet)


def _refuse_if_written(run: Path) -> None:
    """Another process writing ``run``: said now, not after loading torch (6 s at load 12 on 2
    cores). The lock the trainer takes is what guarantees it; this only says so sooner."""
    from ..core.runs.lock import RunLocked, run_writer

    if (writer := run_writer(run)) is not None:
        raise RunLocked(run, writer)


def cmd_resume(args: argparse.Namespace) -> int:
    _refuse_if_written(args.run)
    from ..core.train.trainer import Trainer

    if args.epochs is not None and args.epochs < 1:
        raise ConfigError("--epochs must be at least 1")
    if args.minutes is not None and not 0 <= args.minutes < float("inf"):
        raise ConfigError("--minutes must be 0 (no time limit) or a positive number of minutes")
    machine = Machine(args.device, args.threads)
    if args.nproc is not None:
        return launch_local(args, args.argv)
    if launched_by_torchrun():
        from ..core.train.distributed_session import DistributedTrainer

        return run_rank(
            lambda context: DistributedTrainer.resume(
                args.run, context, extra_epochs=args.epochs, minutes=args.minutes, machine=machine),
            machine.device, args.quiet,
        )
    return drive_training(Trainer.resume(args.run, extra_epochs=args.epochs, minutes=args.minutes, machine=machine), args.quiet)


def cmd_sample(args: argparse.Namespace) -> int:
    from ..core.export import sample_to_files

    written = sample_to_files(args.run, args.n, args.out, seed=args.seed, class_index=args.class_index)
    print(f"wrote {written}")
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    for name, (description, _) in PRESETS.items():
        print(f"{name:12s} {description}")
    return 0


def open_window(self_test: bool) -> int:
    from ..gui.app import run_app

    return run_app(self_test=self_test)


COMMANDS = {"train": cmd_train, "resume": cmd_resume, "sample": cmd_sample, "export": run_export, "evaluate": run_evaluate,
            "judge": run_judge, "project": run_project, "presets": cmd_presets, "bench": run_bench,
            "playground": run_playground, "runs": run_runs, "compare": run_compare}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # --nproc hands them on to torchrun
    try:
        if args.command is None:
            return open_window(args.self_test)
        return COMMANDS[args.command](args)
    except (GanStudioError, OSError) as error:  # a user's mistake; a full disk, a read-only or missing folder
        print(f"gan-studio: error: {user_message(error, terse=True)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gan-studio: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - out of memory outside a training step (loading, sampling)
        if not is_out_of_memory(error):
            raise  # a bug: keep the traceback
        print(f"gan-studio: error: {user_message(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
