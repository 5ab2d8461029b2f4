"""Benchmarks: costs measured as ratios against a baseline taken in the same run (``make bench``)."""
