"""Network building blocks shared by several tasks (no task logic here)."""
