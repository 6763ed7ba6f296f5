"""Benchmarks: `make bench`. Each result is a ratio to a floor measured in the same run,
so figures compare across machines and loads."""
