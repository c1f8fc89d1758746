"""Training: one adversarial step (``steps``), the state of a run in memory that can save and
restore itself exactly (``session``), opening a run folder for it (``opening``), the loop as a
generator of events (``trainer``) with its training-time clock (``clock``), which hands every event to
its observers (core/observers.py: the quality and health monitors, or a caller's), and the commands it reads between
steps (``commands``). The window runs the loop in a worker thread, the command line in its main thread."""
