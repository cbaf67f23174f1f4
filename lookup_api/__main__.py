"""`python -m lookup_api`: see lookup_api/server.py."""

import sys

from lookup_api.server import main

sys.exit(main())
