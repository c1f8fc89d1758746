"""Is it working? The judges that score samples (the shipped digit classifier in ``judge``, one
trained on demand for the user's data in ``judge_training``, and ``judges``, which decides which
one scores which data), the metrics (``metrics``: FCD, KID, precision and recall, coverage),
scoring a generator or a checkpoint (``evaluate``), and the two watchers that ride along with
training: the ``monitor`` (quality after some epochs, best.pt) and ``health`` (plain-language
warnings from the live numbers)."""
