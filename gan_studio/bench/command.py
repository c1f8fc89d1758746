"""``gan-studio bench``: GAN Studio against a plain PyTorch loop, and the window's responsiveness.

    gan-studio bench [--quick] [--json FILE] [--threads N]

1. engine vs plain loop (tutorial MLP, DCGAN-28): engine.py, in this process and thread;
2. window vs plain loop, and 3. event-loop stalls while training: window.py (the window in a
   child process, the plain loop here, taking turns);
4. explorer latency: explorer_latency.py, in a child process;
5. start-up: startup.py, launching the application;
6. memory: engine.py and window.py read /proc (memory.py);
7. roofline: roofline.py, sampled between the engine rounds;
8. the cache of decoded image folders: cache.py, a folder of PNGs loaded three ways;
9. the Playground tab playing: frames painted a second and stalls, playground_frames.py, in a child process.

Every comparison alternates its two sides round by round (ABBA) and reports the median of the
per-round ratios: on a shared machine the absolute figures move with the load, the ratios much
less. The load average before and after is recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Profile:
    mlp_rounds: int
    mlp_epochs: int  # per round; the whole 5,000 digits each
    dcgan_rounds: int
    dcgan_epochs: int
    # DCGAN images per epoch (0 = all 5,000): fewer make shorter rounds (less exposed to load
    # changing mid-round), and weigh the epoch-end work more than a real epoch does (against the engine)
    dcgan_limit: int
    mlp_limit: int
    window_rounds: int
    window_epochs: int
    explorer_moves: int
    launches: int
    matmul_n: int
    hypotheses: bool = False  # re-measure the measured speed-up hypotheses (about a minute)
    cache_images: int = 20_000  # PNGs of 64 px in the image-cache benchmark (about 30 s)
    playground_seconds: float = 10.0  # the Playground tab playing the ring, measured


PROFILES = {
    "full": Profile(8, 2, 8, 1, 1280, 0, 7, 2, 300, 5, 2048, hypotheses=True),
    "quick": Profile(5, 1, 4, 1, 640, 0, 3, 2, 150, 3, 2048),
    # CI: every figure is produced, none is worth reading.
    "smoke": Profile(1, 1, 1, 1, 128, 640, 1, 1, 10, 1, 512, cache_images=300, playground_seconds=1.0),
}


def add_bench_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bench", help="measure training speed against a plain PyTorch loop, smoothness, latency and start-up",
        description="Measure GAN Studio against a minimal plain PyTorch loop (interleaved rounds, medians of "
                    "ratios), the window's smoothness while training, the explorer's latency, start-up time, "
                    "memory and the share of the machine's matmul speed that training reaches.",
    )
    parser.add_argument("--quick", action="store_true", help="a shorter run (a few minutes) with noisier figures")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads for every training side (default 0: the app's own choice, all cores but one)")
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # CI: seconds, not minutes
    return parser


def run_bench(args: argparse.Namespace) -> int:
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    figures = measure(PROFILES[mode], args.threads, log=lambda text: print(text, flush=True))
    figures["mode"] = mode
    figures["command"] = "gan-studio bench" + {"full": "", "quick": " --quick", "smoke": " --smoke"}[mode] + (
        f" --threads {args.threads}" if args.threads else "")
    from .report import format_table, write_json

    print()
    print(format_table(figures))
    if args.json is not None:
        write_json(figures, args.json)
        print(f"wrote {args.json}")
    return 0


def measure(profile: Profile, threads: int = 0, log=print) -> dict:
    from ..core.device import configure_cpu_threads, default_threads
    from .cache import measure_cache
    from .engine import compare_engine_plain
    from .report import load_average, machine
    from .roofline import Matmul, flops_per_image
    from .startup import measure_startup
    from .window import compare_window_plain

    threads = threads or default_threads()
    started = time.perf_counter()
    figures: dict = {"threads": threads, "load_before": load_average(), **machine()}
    configure_cpu_threads(threads)
    matmul = Matmul(profile.matmul_n)
    matmuls = []

    for arch, rounds, epochs, limit in (("mlp", profile.mlp_rounds, profile.mlp_epochs, profile.mlp_limit),
                                        ("dcgan", profile.dcgan_rounds, profile.dcgan_epochs, profile.dcgan_limit)):
        log(f"engine vs plain loop, {arch} ({threads} thread{'s' if threads > 1 else ''})")
        case = compare_engine_plain(arch, threads=threads, rounds=rounds, epochs_per_round=epochs, limit=limit,
                                    matmul=matmul, log=log)
        flops = flops_per_image(arch)
        figures[f"engine_vs_plain_{arch}"] = case.ratio
        figures[f"engine_vs_plain_cpu_{arch}"] = case.cpu_ratio
        figures[f"engine_images_per_s_{arch}"] = case.engine
        figures[f"plain_images_per_s_{arch}"] = case.plain
        figures[f"engine_gflops_{arch}"] = case.engine * flops / 1e9
        figures[f"roofline_fraction_{arch}"] = statistics.median(
            rate * flops / 1e9 / peak for rate, peak in zip(case.engine_images_per_s, case.matmul_gflops))
        figures[f"rss_steady_mb_{arch}"] = case.rss_steady_mb
        figures[f"rss_peak_mb_{arch}"] = case.rss_peak_mb
        figures[f"engine_vs_plain_rounds_{arch}"] = case.ratios
        matmuls += case.matmul_gflops
    figures["matmul_gflops"] = statistics.median(matmuls)

    log(f"window vs plain loop, tutorial MLP ({threads} thread{'s' if threads > 1 else ''})")
    window = compare_window_plain(threads=threads, rounds=profile.window_rounds,
                                  epochs_per_round=profile.window_epochs, log=log)
    figures["window_vs_plain_rounds_mlp"] = window.pop("window_ratios")
    figures.update(window)

    log("explorer latency (slider move to painted pixels)")
    figures.update(measure_explorer(profile.explorer_moves))
    log("playground tab playing (frames a second, event-loop stalls)")
    figures.update(measure_playground(profile.playground_seconds))
    log("start-up")
    figures.update(measure_startup(profile.launches, log=log))
    log("image cache (a folder of PNGs: one core, first load, second load)")
    figures.update(measure_cache(profile.cache_images, log=log))
    if profile.hypotheses:
        from .hypotheses import measure_hypotheses

        log("the measured speed-up hypotheses (step time, variant / baseline)")
        figures.update(measure_hypotheses(threads, log=log))
    figures["load_after"] = load_average()
    figures["seconds"] = time.perf_counter() - started
    return figures


_EXPLORER_CHILD = """
import json, sys
from gan_studio.bench.explorer_latency import measure_explorer_latency
moves = int(sys.argv[1])
print(json.dumps({arch: measure_explorer_latency(arch, moves) for arch in ("mlp", "dcgan")}))
"""


def measure_explorer(moves: int) -> dict:
    """Both models, in a child process: a Qt application of its own, torch on one thread."""
    result = subprocess.run([sys.executable, "-c", _EXPLORER_CHILD, str(moves)], capture_output=True, text=True,
                            timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"the explorer benchmark failed: {(result.stdout + result.stderr).strip()[-1500:]}")
    data = json.loads(lines[-1])
    figures = {}
    for arch, values in data.items():
        figures[f"explorer_p50_ms_{arch}"] = values["p50_ms"]
        figures[f"explorer_p95_ms_{arch}"] = values["p95_ms"]
        figures[f"explorer_max_ms_{arch}"] = values["max_ms"]
    return figures


def measure_playground(seconds: float) -> dict:
    """The Playground tab in a child process (a Qt application of its own): playground_frames.py."""
    command = [sys.executable, "-m", "gan_studio.bench.playground_frames", "--seconds", str(seconds)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"the playground benchmark failed: {(result.stdout + result.stderr).strip()[-1500:]}")
    return json.loads(lines[-1])
