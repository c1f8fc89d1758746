"""The Quality tab's words: what its numbers mean per kind of judge, and the judge row's lines.

Plain strings (rich text where they say so), kept apart from the widget so the panel stays a
layout and its wiring."""

from __future__ import annotations

JUDGE_HELP = (
    "<b>What do these numbers mean?</b> A small classifier (the judge: the shipped digit judge, or one "
    "trained on your labelled data) looks at 1,000 samples. "
    "<b>FCD</b> is the distance between how it sees them and how it sees real held-out images: "
    "lower is better, and the dashed <b>floor</b> is what real images score against other real images. "
    "<b>Precision</b>: the share of samples that look like some real image (quality). <b>Recall</b>: the "
    "share of real images that some sample resembles (variety). <b>Modes covered</b>: how many of the "
    "classes appear in at least 2 % of the samples; a collapsed generator draws only a few. "
    "<b>Confidence</b>: how sure the judge is of its reading (low for scribbles)."
)
SSL_HELP = (
    "<b>What do these numbers mean?</b> A small encoder trained on your images without labels (it learnt "
    "to tell each image from the others, whatever the crop and colour) looks at 1,000 samples. "
    "<b>FD</b> is the distance between how it sees them and how it sees real held-out images: lower is "
    "better, and the dashed <b>floor</b> is what real images score against other real images. "
    "<b>Precision</b>: the share of samples that look like some real image (quality). <b>Recall</b>: the "
    "share of real images that some sample resembles (variety). <b>Diversity</b>: how different the "
    "samples are from each other, beside the real images'; a drop means collapse. <b>Nearest train</b>: "
    "the typical distance of a sample to its closest training image; far below the real images' means copies."
)
PIXEL_HELP = (
    "<b>What do these numbers mean?</b> No judge knows this data yet (train one with the button above, "
    "or `gan-studio judge`), so the samples are compared pixel by pixel. <b>Diversity</b> is how different the samples are from each "
    "other: it should come close to the real data's; a drop means the generator collapses onto a few "
    "outputs. <b>Nearest train</b> is the typical distance of a sample to its closest training image: far "
    "below the real data's value means the generator copies training images."
)
EMPTY_TEXT = "No quality measurements yet: they come after epochs (every few epochs, and always after the last)."
JUDGE_OFFER = (
    "No judge knows this data yet ({summary}). Train one (a minute or two) and runs on it get the distance "
    "to real images against its floor, precision, recall{classes} and a best checkpoint, as the built-in digits do."
)
JUDGE_TRAINING = "Training a judge for {summary}…"
JUDGE_DONE = (
    "Judge trained for {summary}: {accuracy:.1%} accuracy on {heldout} held-out images. "
    "Runs on this data started from now on are scored with it."
)
SSL_DONE = "Judge trained for {summary}: {message}. Runs on this data started from now on are scored with it."
