# The lookup API as a container: stateless, several of them behind nginx (deploy/compose.yaml).
# Not built or run by the tests (no Docker daemon on the development machine); tests/deploy/
# checks that it agrees with deploy/compose.yaml, deploy/nginx.conf and lookup_api/config.py,
# and runs the same uvicorn command line (CMD below) as real processes.
#
#   docker build -t huinong-api .
#   docker run --rm -p 8000:8000 -v /srv/huinong:/srv/huinong:ro \
#       -e HUINONG_KEY_FILE=/run/secrets/huinong_key ... huinong-api
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what the package needs (see .dockerignore): no data/, no build output, no keys.
COPY pyproject.toml README.md ./
COPY huinong_core ./huinong_core
COPY generator ./generator
COPY lookup_api ./lookup_api
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin huinong

# The build output is mounted read-only at /srv/huinong (mount the directory that holds public/,
# not public/ itself: `build` switches the public link by a rename, which a mount of public/ would not see).
# LOOKUP_SITE_DIR empty: nginx serves the site, the API serves only its routes.
# WEB_CONCURRENCY: worker processes per container; empty: one per CPU when the rate limits are in
# Redis (LOOKUP_RATE_STORAGE=redis://…), one while they are counted in memory (lookup_api/server.py).
ENV LOOKUP_DB=/srv/huinong/public/lookup.sqlite \
    LOOKUP_SITE_DIR= \
    LOOKUP_AUDIT_LOG=- \
    WEB_CONCURRENCY=

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=2)"]
# uvicorn (httptools, uvloop) in one process per worker, each on its own SO_REUSEPORT socket; no access
# log (it would hold client addresses), no proxy headers (LOOKUP_TRUSTED_PROXIES decides): lookup_api/server.py.
CMD ["python", "-m", "lookup_api", "--host", "0.0.0.0", "--port", "8000"]
