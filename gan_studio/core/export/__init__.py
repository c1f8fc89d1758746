"""Taking results away: grids, single images with sidecars that regenerate them and generator
weights (``samples``), interpolation and training-progress animations (``animation``), and what
every export shares (``common``: refusing to overwrite, progress, upscaling)."""
