"""工作台 (the console): staff publish from a browser on their own PC (issue 21).

`python -m generator console` serves a small web app on 127.0.0.1 only; it calls the same
library code as the command line (ingest's plan and write, mask, check) and writes into the data/
of the repository it runs in.  The parts:

- ``server.py``: binds loopback, makes the one-time token, runs uvicorn (no access log);
- ``access.py``: the guard in front of every request (Host, token → cookie, Origin), the
  security headers, and a 500 page that logs no message;
- ``app.py``: the console's state (`Console`), its pages (`Pages`), form reading with the CSRF
  check (in memory: an upload is never spooled to disk), and the steps (`STEPS`);
- ``main.py``: `create_app`, which mounts one router per step inside the guard;
- ``ingest_pages.py``: the step 导入发放名单; ``propose.py`` and ``problems.py`` its helpers.

A later step (发布通知, 检查和审阅, 提交, 状态) is one more router module, listed in `app.STEPS` and mounted in `main.py`.
"""
