"""GAN Studio: train a generative adversarial network in a desktop window and watch it learn."""

__version__ = "0.1.0"
