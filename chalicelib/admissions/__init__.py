"""PPDB / SPMB: admission periods, registration and seat allocation."""
