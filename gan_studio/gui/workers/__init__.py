"""Work off the GUI thread: every worker of the window lives here, and none touches a widget.
They report values back by queued signals; on shutdown each is asked to stop, then joined."""
