"""How long a latent-explorer slider move takes to reach the screen.

Each move sets a direction slider and waits for ``LatentExplorer.imageRendered``, which is
emitted once the new picture has been painted (the view is repainted synchronously): the time
covers computing z, the hand-over to the render thread, the generator, the queued reply and the
paint. The generator is freshly built (untrained weights cost the same to run).

    python -m gan_studio.bench.explorer_latency [--arch mlp|dcgan] [--moves N] [--width W]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

IMAGE_SHAPE = (1, 28, 28)
TIMEOUT_MS = 30000


def _weights(arch: str, width: int):
    import torch

    from ..core.config import preset_config
    from ..core.models.networks import build_models
    from ..core.models.sampling import weights_to_numpy

    config = preset_config("tutorial" if arch == "mlp" else "default")
    config.model.width = width
    torch.manual_seed(0)
    generator, _ = build_models(config.model, config.train.loss, IMAGE_SHAPE, 0)
    return config, weights_to_numpy(generator)


def _wait(signals, predicate=lambda: True) -> None:
    """Run the event loop until one of ``signals`` fires with ``predicate()`` true (or time runs out)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()

    def check(*_args) -> None:
        if predicate():
            loop.quit()

    signals = signals if isinstance(signals, (list, tuple)) else [signals]
    for signal in signals:
        signal.connect(check)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(TIMEOUT_MS)
    loop.exec()
    for signal in signals:
        signal.disconnect(check)
    if not timer.isActive():
        raise TimeoutError("the explorer did not render in time")
    timer.stop()


def measure_explorer_latency(arch: str = "mlp", moves: int = 300, width: int = 64) -> dict:
    """Slider move to painted pixels, in ms: {"p50_ms", "p95_ms", "max_ms", "moves"}."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ..core.device import configure_cpu_threads
    from ..gui.widgets.latent_explorer import LatentExplorer

    # Before the first torch op on this thread: a multi-threaded op on the main thread first made a
    # worker thread's training steps 31-36 % slower.
    configure_cpu_threads(1)
    app = QApplication.instance() or QApplication([])
    config, weights = _weights(arch, width)
    explorer = LatentExplorer()
    try:
        explorer.resize(1100, 760)
        explorer.show()
        state = {"directions": False, "image": False}
        explorer.worker.directionsReady.connect(lambda d: state.__setitem__("directions", True))
        explorer.imageRendered.connect(lambda: state.__setitem__("image", True))
        explorer.set_generator_weights(config.to_json(), IMAGE_SHAPE, 0, weights, epoch=None)
        _wait([explorer.imageRendered, explorer.worker.directionsReady], lambda: state["image"] and state["directions"])
        slider = explorer.direction_bank.slider(0)
        latencies = []
        for index in range(moves + 20):  # the first 20 warm up caches and allocators
            value = int(round(250 * math.sin(index / 7.0))) or 1
            if value == slider.value():
                value += 1
            start = time.perf_counter()
            slider.setValue(value)
            _wait(explorer.imageRendered)
            if index >= 20:
                latencies.append((time.perf_counter() - start) * 1000.0)
        app.processEvents()
    finally:
        explorer.shutdown()
        explorer.deleteLater()
    values = np.asarray(latencies)
    return {
        "p50_ms": float(np.percentile(values, 50)),
        "p95_ms": float(np.percentile(values, 95)),
        "max_ms": float(values.max()),
        "moves": int(len(values)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.explorer_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=("mlp", "dcgan"), default="mlp")
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--width", type=int, default=64, help="DCGAN width (channels of the largest map)")
    args = parser.parse_args(argv)
    result = measure_explorer_latency(args.arch, args.moves, args.width)
    print(f"{args.arch}: p50 {result['p50_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms, "
          f"max {result['max_ms']:.2f} ms over {result['moves']} moves")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
