"""Benchmarks of the window's interactive paths (they may import torch: they are not gui/)."""
