"""`python -m benchmarks` (`make bench`): every benchmark in turn, in one run; each also runs alone.

The builds here are the sample's and a synthetic county's (issue 20's table); the city and the
province take long and run alone (`python -m benchmarks.build --sets city province`).
"""

import runpy
import sys
import time

RUNS = (("benchmarks.lookup", []), ("benchmarks.build", ["--sets", "sample", "county"]), ("benchmarks.pages", []),
        ("benchmarks.site", []), ("benchmarks.posters", []), ("benchmarks.screen", []), ("benchmarks.cases", []))

failed = []
for name, args in RUNS:
    started = time.perf_counter()
    print(f"\n# {name} {' '.join(args)}\n", flush=True)
    sys.argv = [name, *args]
    try:
        runpy.run_module(name, run_name="__main__")
    except SystemExit as e:  # each module's own `sys.exit(main())`: it ended that module, not the run
        if e.code not in (None, 0):
            failed.append(name)
    print(f"\n({name}: {time.perf_counter() - started:.0f} s)", flush=True)
if failed:
    print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    sys.exit(1)
