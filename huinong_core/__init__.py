"""The core both applications stand on: domain models, regions, parsing and normalising, keys,
errors, notices, data versions, segmentation and statistical disclosure control.

`generator` (the build) and `lookup_api` (the service) import this package; it imports neither.
tests/test_architecture.py holds the directions.
"""
