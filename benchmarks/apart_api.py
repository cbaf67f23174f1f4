"""Our lookup API with each worker counting its rate limits in memory, for `benchmarks.lookup` only.

Not a deployment: each worker would count apart, so a guesser would get every budget once per
worker (`python -m lookup_api` refuses several workers with memory limits; an --app other than
its own is not checked, as for the bare endpoint).  Served beside the deployed set-up, it shows
what sharing the limits through Redis costs on the same workers.
"""

from lookup_api.main import create_app

app = create_app()
