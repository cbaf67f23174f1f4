"""python -m benchmarks: run every benchmark in turn (each is also runnable on its own)."""

from __future__ import annotations

import sys

from benchmarks import lookup

BENCHMARKS = [lookup.main]

if __name__ == "__main__":
    sys.exit(max(run([]) for run in BENCHMARKS))
