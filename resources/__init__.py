"""Data files shipped with GAN Studio: built-in digits, judge weights, icons.

This folder is the top-level ``resources/`` of the repository, installed as the package
``gan_studio.resources``; read its files with :func:`gan_studio.core.resources.resource_path`.
"""
