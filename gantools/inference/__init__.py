"""Batch and single-image inference shared by every image-to-image task."""
