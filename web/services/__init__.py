"""The service layer: one function per user action, each one unit of work."""
