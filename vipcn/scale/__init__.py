"""Synthetic data at scale and the benchmark that measures the pages on it."""
