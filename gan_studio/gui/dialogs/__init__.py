"""Dialogs the window opens: export."""
