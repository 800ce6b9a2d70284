"""Trajectory generators of the tool-use tasks, one module per task (standard library only)."""
