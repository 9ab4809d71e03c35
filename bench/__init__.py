"""Benchmarks (`make bench`): clusterflow against the raw SpiffWorkflow engine, measured in one run."""
