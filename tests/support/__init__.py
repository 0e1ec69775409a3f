"""Helpers shared by tests and benchmarks: throwaway PostgreSQL clusters, always-open hall
configurations and a server subprocess runner."""
