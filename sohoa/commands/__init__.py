"""Click commands grouped by user role; ``sohoa.cli`` assembles them into the ``sohoa`` command.

Shared plumbing (the lazily opened archive, JSON output) lives in ``base``; each command module
stays a thin adapter over one library function.
"""
