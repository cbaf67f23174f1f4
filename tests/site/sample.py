"""The sample build the site tests look at (the `pipeline_run` fixture of tests/site/conftest.py):
the day it is built on and the batch its merge request adds."""

from __future__ import annotations

import datetime as dt

# 2026-10-20: some sample batches are inside their 公示期 on this day.
BUILD_EPOCH = str(int(dt.datetime(2026, 10, 20, 9, tzinfo=dt.timezone.utc).timestamp()))
BUILD_DAY = dt.date(2026, 10, 20)


#: The batch the sample "merge request" adds (the rest of data/ is the base commit).
MR_BATCH = "2026/410421-NY001-2026"
