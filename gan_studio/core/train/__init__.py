"""Training: one adversarial step (``steps``), the state of a run in memory that can save and
restore itself exactly (``session``), the loop as a generator of events (``trainer``), and the
commands it reads between steps (``commands``). The window runs the loop in a worker thread, the
command line in its main thread."""
