"""The Qt-free engine that the window and the command line both drive.

Every subsystem is a sub-package; the modules at this level are what they all share:

- ``config``     typed run configuration (data, model, training), presets, JSON round trip
- ``events``     what the trainer tells the world (plain dataclasses, numpy payloads)
- ``observers``  the interface of what watches the training loop's events (the monitors)
- ``errors``     errors a user can act on, each one sentence
- ``jobs``       the job protocol: progress, cancellation, an exception as the sentence a user sees
- ``formatting`` durations and numbers as both faces print them
- ``atomic``     files written whole or not at all
- ``images``     uint8 arrays to grids and PNG files
- ``device``     choosing a device and tuning the CPU
- ``resources``  files that ship inside the package

Sub-packages, lowest first (each imports only those above it in this list, and the shared modules):
``data`` (sources to uint8 arrays), ``models`` (the players, losses, sampling), ``runs`` (the run
folder and checkpoints), ``quality`` (judges, metrics, the quality and health monitors),
``train`` (the step, the session and the loop), ``latent`` (snapshots, directions, bookmarks) and
``export`` (grids, images, animations, weights).

Nothing here imports Qt or pyqtgraph (tests/test_architecture.py checks it).
"""
