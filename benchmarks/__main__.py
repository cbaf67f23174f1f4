"""`make bench`: every benchmark, one after another (each also runs alone)."""

import runpy
import sys

for name in ("benchmarks.site", "benchmarks.posters"):
    print(f"\n# {name}\n", flush=True)
    sys.argv = [name]
    runpy.run_module(name, run_name="__main__")
