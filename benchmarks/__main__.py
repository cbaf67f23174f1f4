"""`python -m benchmarks` (`make bench`): every benchmark in turn; each also runs alone."""

import runpy
import sys

for name in ("benchmarks.build", "benchmarks.site", "benchmarks.pages", "benchmarks.posters", "benchmarks.lookup",
             "benchmarks.screen", "benchmarks.cases"):
    print(f"\n# {name}\n", flush=True)
    sys.argv = [name]
    runpy.run_module(name, run_name="__main__")
