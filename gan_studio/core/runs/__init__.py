"""The run folder, the contract between the engine and every face: its layout, run.json, the CSV
tables appended as training goes and read while it goes (``folder``), and checkpoints written
atomically and read without running code (``checkpoint``). Reading a run needs neither torch nor
Qt."""
