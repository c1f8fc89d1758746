"""The measured speed-up hypotheses, measured again on this machine.

When the engine was tuned (2 cores, torch 2.13 CPU) they stood at: fused Adam 0.87x the step time
of torch's default Adam (tutorial MLP); channels_last 0.87-0.89x (DCGAN-28); the allocator tuning
146-166 ms -> 109-111 ms a DCGAN step; a worker thread 31-36 % slower (MLP) once the main thread
had run a multi-threaded torch op.

Each figure is a ratio of step times, variant / baseline (below 1: the variant is faster), of the
plain loop's steps, in interleaved rounds:

* fused Adam vs torch's default Adam (tutorial MLP), in this process;
* channels_last vs contiguous tensors (DCGAN-28), in this process;
* the allocator tuning (mallopt) vs glibc's defaults (DCGAN-28), in fresh processes, because
  mallopt cannot be undone;
* training in a worker thread after the main thread ran a multi-threaded torch op, vs a worker
  thread in a process whose main thread never touched torch (tutorial MLP), in fresh processes.
  Only meaningful with 2 or more threads: with one, torch starts no thread team.

    python -m gan_studio.bench.hypotheses child CASE VARIANT THREADS   # one fresh-process sample
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time


def _loops(arch: str, threads: int, limit: int):
    from ..core.data import load_dataset
    from .engine import bench_config
    from .plain_loop import PlainLoop, plain_data, spec_from_config

    config = bench_config(arch, threads, limit, epochs=1)
    return PlainLoop(spec_from_config(config), plain_data(load_dataset(config.data).images, arch))


def _step_ms(loop, steps: int) -> float:
    b = loop.spec.batch_size
    start = time.perf_counter()
    for i in range(steps):
        loop.step(loop.data[i * b % (len(loop.data) - b):][:b])
    return (time.perf_counter() - start) / steps * 1000.0


def _interleaved(a, b, steps: int, rounds: int, run=_step_ms) -> float:
    ratios = []
    run(a, 2), run(b, 2)  # warm-up
    for index in range(rounds):
        if index % 2 == 0:
            ta, tb = run(a, steps), run(b, steps)
        else:
            tb, ta = run(b, steps), run(a, steps)
        ratios.append(tb / ta)
    return statistics.median(ratios)


def fused_adam(threads: int, rounds: int = 8) -> float:
    import torch

    torch.set_num_threads(threads)
    base, fused = _loops("mlp", threads, 2560), _loops("mlp", threads, 2560)
    spec = fused.spec
    fused.opt_g = torch.optim.Adam(fused.g.parameters(), lr=spec.lr_g, betas=spec.betas, eps=spec.eps, fused=True)
    fused.opt_d = torch.optim.Adam(fused.d.parameters(), lr=spec.lr_d, betas=spec.betas, eps=spec.eps, fused=True)
    return _interleaved(base, fused, 10, rounds)


def channels_last(threads: int, rounds: int = 4) -> float:
    import torch

    torch.set_num_threads(threads)
    base, last = _loops("dcgan", threads, 1280), _loops("dcgan", threads, 1280)
    last.g.to(memory_format=torch.channels_last)
    last.d.to(memory_format=torch.channels_last)
    last.data = last.data.contiguous(memory_format=torch.channels_last)
    return _interleaved(base, last, 4, rounds)


# -- fresh processes ---------------------------------------------------------------------------------


def child(case: str, variant: str, threads: int) -> float:
    """ms per plain step, in this (fresh) process."""
    import torch

    if case == "allocator":
        if variant == "tuned":
            from ..core.device import tune_allocator

            tune_allocator()
        torch.set_num_threads(threads)
        loop = _loops("dcgan", threads, 1280)
        _step_ms(loop, 2)
        return _step_ms(loop, 8)
    # case == "worker": the same steps in a worker thread; "gui-first" runs a multi-threaded op
    # on the main thread first, as a window would if it touched torch on its own thread.
    torch.set_num_threads(threads)
    if variant == "gui-first":
        torch.randn(512, 512) @ torch.randn(512, 512)
    result = {}

    def work() -> None:
        torch.set_num_threads(threads)
        loop = _loops("mlp", threads, 2560)
        _step_ms(loop, 5)
        result["ms"] = statistics.median(_step_ms(loop, 10) for _ in range(3))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return result["ms"]


def _fresh(case: str, baseline: str, variant: str, threads: int, pairs: int) -> float:
    ratios = []
    for index in range(pairs):
        order = (baseline, variant) if index % 2 == 0 else (variant, baseline)
        times = {}
        for name in order:
            out = subprocess.run([sys.executable, "-m", "gan_studio.bench.hypotheses", "child", case, name, str(threads)],
                                 capture_output=True, text=True, timeout=300)
            if out.returncode != 0:
                raise RuntimeError(f"hypothesis {case}/{name} failed: {out.stderr.strip()[-1000:]}")
            times[name] = float(out.stdout.split()[-1])
        ratios.append(times[variant] / times[baseline])
    return statistics.median(ratios)


def measure_hypotheses(threads: int, log=print) -> dict:
    figures = {}
    cases = [
        ("hypothesis_fused_adam_step_ratio_mlp", lambda: fused_adam(threads)),
        ("hypothesis_channels_last_step_ratio_dcgan", lambda: channels_last(threads)),
        ("hypothesis_mallopt_step_ratio_dcgan", lambda: _fresh("allocator", "default", "tuned", threads, 2)),
    ]
    if threads > 1:  # one thread starts no OpenMP team: nothing to measure
        cases.append(("hypothesis_gui_thread_first_step_ratio_mlp", lambda: _fresh("worker", "worker", "gui-first", threads, 3)))
    for key, run in cases:
        figures[key] = run()
        log(f"  {key}: {figures[key]:.3f}")
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        print(f"{child(sys.argv[2], sys.argv[3], int(sys.argv[4])):.4f}")
    else:
        raise SystemExit("usage: python -m gan_studio.bench.hypotheses child CASE VARIANT THREADS")
