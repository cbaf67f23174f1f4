"""`python -m benchmarks` (`make bench`): every benchmark in turn, in one run; each also runs alone
(`python -m benchmarks.lookup`), or a few by name (`python -m benchmarks site posters`).

The builds here are the sample's and a synthetic county's (issue 20's table); the city and the
province take long and run alone (`python -m benchmarks.build --sets city province`).
"""

import subprocess
import sys
import time

RUNS = (("benchmarks.lookup", []), ("benchmarks.build", ["--sets", "sample", "county"]), ("benchmarks.pages", []),
        ("benchmarks.site", []), ("benchmarks.posters", []), ("benchmarks.screen", []), ("benchmarks.cases", []))

# `python -m benchmarks site posters`: only those.
chosen = sys.argv[1:]
unknown = [c for c in chosen if f"benchmarks.{c}" not in dict(RUNS)]
if unknown:
    sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; choose from: {' '.join(n.split('.')[1] for n, _ in RUNS)}")
failed = []
for name, args in RUNS:
    if chosen and name.split(".")[1] not in chosen:
        continue
    started = time.perf_counter()
    print(f"\n# {name} {' '.join(args)}\n", flush=True)
    # Each in a process of its own, as when run alone: the spawned workers of some (screen, cases)
    # must import the module they run, which a module run in this process as __main__ is not.
    if subprocess.run([sys.executable, "-m", name, *args]).returncode != 0:
        failed.append(name)
    print(f"\n({name}: {time.perf_counter() - started:.0f} s)", flush=True)
if failed:
    print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    sys.exit(1)
