#!/usr/bin/env bash
# Debian packages the tests (and posters) need, installed only when missing:
#   chromium       headless browser for page tests (Playwright drives /usr/bin/chromium)
#   poppler-utils  pdftoppm, to render posters to PNG in tests
#   fonts-wqy-zenhei  CJK font with TrueType outlines that reportlab can embed
#   fonts-hanazono, fonts-babelstone-han  the posters' fallbacks for rare characters in names
#                  (HanaMinA/B: CJK Extensions A-F; BabelStone Han: most of G), TrueType too
#   redis-server   the rate-limit tests against real Redis
#   faketime       the reproducible-build test runs a second build with another wall clock
#   rsync          scripts/pipeline.sh publishes with it (tests publish to a local directory)
#   nginx          the deployment tests serve the site and proxy the API through deploy/nginx.conf
#   postgresql     the 咨询与投诉 tests also run on PostgreSQL (a throwaway cluster from initdb)
#   wrk            (bench) the HTTP load generator of benchmarks/lookup.py, plus everything of test
# Usage: system-deps.sh [run|test|bench]   (run: only what the build needs, the fonts)
set -euo pipefail
need=()
mode="${1:-test}"
if [ "$mode" = bench ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  mode=test
fi
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v faketime >/dev/null 2>&1 || need+=(faketime)
  command -v rsync >/dev/null 2>&1 || need+=(rsync)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
  { command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || need+=(postgresql)
fi
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
fc-list 2>/dev/null | grep -i "wqy-zenhei" >/dev/null || need+=(fonts-wqy-zenhei)
fc-list 2>/dev/null | grep "HanaMinB" >/dev/null || need+=(fonts-hanazono)
fc-list 2>/dev/null | grep "BabelStone Han" >/dev/null || need+=(fonts-babelstone-han)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "安装系统软件包：${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
