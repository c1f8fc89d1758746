"""The playground: tiny GANs on 2-D points, with GAN Lab's views, driven like the trainer.

Torch-free here (the window imports these): config, distributions, coverage, views' drawing.
Torch inside: models, steps, trainer (import them by module, in the worker thread).
"""
