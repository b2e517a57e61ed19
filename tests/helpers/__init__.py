"""Shared test helpers: servers standing in for ENCODE and downloads, Snakemake runs, small models and data."""
