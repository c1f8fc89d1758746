"""The latent space of a trained generator: frozen CPU snapshots to render from (``snapshot``),
paths through z (``paths``: seeds, truncation, interpolation, neighbours), principal directions
(``directions``) and the explorer's bookmarks (``bookmarks``)."""
