"""Work off the GUI thread: every worker of the window lives here, and none touches a widget.

All of them run their work as jobs (jobs.py): a function or generator in a thread of its own,
reporting values back through one relay of queued signals; on shutdown each job is asked to
stop, then joined. The explorer's render loop (render.py) is one long job of that kind.
"""
