"""咨询与投诉 (issue 8): cases with a 件号 and a secret 查询码, staff handling, openness.

    schema.py      SQLAlchemy models: cases, case_events (append-only), staff, sessions, ratings
    store.py       engine (SQLite WAL by default, PostgreSQL from CASES_DATABASE_URL), migrations
    secrets.py     Fernet for contact details, keyed hash of the 查询码
    directory.py   programmes and places from lookup.sqlite; routing to a department
    service.py     what the public and staff can do; refuses with a CaseError (Chinese messages)
    errors.py      the CaseError family of refusals: no HTTP here, lookup_api/errors.py gives each its status
    pow.py         the self-hosted proof-of-work and its no-JavaScript fallback question
    auth.py        staff passwords (argon2), sessions, CSRF tokens
"""
