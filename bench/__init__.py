"""Benchmarks run by `make bench`: what users wait for, measured on realistic data."""
