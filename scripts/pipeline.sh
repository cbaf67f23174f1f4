#!/usr/bin/env bash
# The publishing pipeline: the one place its commands live.  .github/workflows/publish.yml and
# .gitlab-ci.yml call it; tests/test_pipeline.py runs it on a test repository.
#
#   scripts/pipeline.sh mr        merge request: check, build, privacy gate, change report
#   scripts/pipeline.sh publish   main branch: check, build, privacy gate, deploy
#
# Settings (environment):
#   DATA_DIR        data directory                         (default data)
#   OUT             build output                           (default public)
#   REPORT_DIR      change report (diff.md, diff.html; comment.md: diff.md cut to a comment's size)
#                                                          (default reports)
#   DIFF_BASE       revision the merge request starts from (default: merge-base with origin/main)
#   SITE_TARGET     where the static site goes:
#                     /srv/www/huinong or host:/srv/www/huinong   rsync into releases/<id>/, unchanged files
#                                                                 hard-linked from the live release, then the
#                                                                 "current" symlink is switched atomically
#                     s3://bucket/prefix                          rclone (remote settings in RCLONE_CONFIG_S3_*):
#                                                                 changed files only, pages after what they use,
#                                                                 deletions last
#   LOOKUP_TARGETS  space-separated directories (local or host:/path) of the API hosts; lookup.sqlite is
#                   copied next to the live one and renamed over it (the API reopens it by itself)
#   KEEP_RELEASES   releases kept on a directory target    (default 5)
#   PY              the Python to run                      (default scripts/py: .venv's, else python3)
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-scripts/py}
DATA_DIR=${DATA_DIR:-data}
OUT=${OUT:-public}
REPORT_DIR=${REPORT_DIR:-reports}
KEEP_RELEASES=${KEEP_RELEASES:-5}

step() { printf '\n== %s\n' "$*"; }
gen() { "$PY" -m generator "$@"; }

validate_and_build() {
  step "检查数据"
  gen check --data "$DATA_DIR" --max 200
  step "构建网站和查询数据库"
  gen build --data "$DATA_DIR" --out "$OUT"   # runs the privacy gate itself before swapping the output in
  step "隐私检查（构建结果全部文件）"
  gen guard "$OUT"
  echo "未发现个人信息。"
}

change_report() {
  local base=${DIFF_BASE:-}
  if [ -z "$base" ]; then
    base=$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse HEAD~1)
  fi
  step "变更报告：$base → HEAD"
  mkdir -p "$REPORT_DIR"
  gen diff "$base" HEAD --data-dir "$DATA_DIR" --format md --out "$REPORT_DIR/diff.md"
  gen diff "$base" HEAD --data-dir "$DATA_DIR" --format html --out "$REPORT_DIR/diff.html"
  # Merge request comments have a size limit (GitHub: 65536 characters): a long report is cut there.
  "$PY" - "$REPORT_DIR" <<'PYEOF'
import sys
from pathlib import Path
d = Path(sys.argv[1])
text = (d / "diff.md").read_text(encoding="utf-8")
if len(text) > 60000:
    text = text[:60000].rsplit("\n", 1)[0] + "\n\n……报告太长，以上为开头部分；完整报告见流水线附件 diff.html。\n"
(d / "comment.md").write_text(text, encoding="utf-8")
PYEOF
}

# Run a shell command on the host of a target ("host:/path") or here (a plain path).
on_host() {
  local target=$1; shift
  if is_remote "$target"; then ssh -o BatchMode=yes "${target%%:*}" "$@"; else sh -c "$*"; fi
}
is_remote() { case $1 in /*|./*|../*) return 1 ;; *:*) return 0 ;; *) return 1 ;; esac; }
target_path() { if is_remote "$1"; then echo "${1#*:}"; else echo "$1"; fi; }

deploy_site_dir() {
  local target=$1 path release prev
  path=$(target_path "$target")
  release="$(date -u +%Y%m%dT%H%M%S.%NZ)-$(git rev-parse --short HEAD)"
  on_host "$target" "mkdir -p '$path/releases'"
  prev=$(on_host "$target" "readlink '$path/current' 2>/dev/null || true")
  step "上传网站到 $target/releases/$release（只传变化的文件）"
  # --checksum: a file whose content did not change is hard-linked from the live release, not sent.
  # No -t: build times must not count as a change (an unchanged file keeps its inode and date).
  local stats
  stats=$(rsync -rlpD --checksum --delete --stats ${prev:+--link-dest="../$(basename "$prev")"} \
    "$OUT/site/" "$target/releases/$release/")
  grep -E '^Number of (regular files transferred|files:)' <<<"$stats" || true
  step "切换到新版本（原子操作）"
  on_host "$target" "cd '$path' && ln -sfn 'releases/$release' .current.new && mv -T .current.new current"
  on_host "$target" "cd '$path/releases' && ls -1 | sort | head -n -$KEEP_RELEASES | xargs -r rm -rf --"
  echo "网站已切换到 $release。"
}

deploy_site_s3() {
  local dest="s3:${1#s3://}"
  step "上传网站到 $1（只传变化的文件）"
  # No atomic switch on an object store: data and assets first, then the pages that use them,
  # deletions last, so no page ever points at a file that is not there yet.
  rclone copy --checksum --exclude '*.html' "$OUT/site" "$dest"
  rclone copy --checksum --include '*.html' "$OUT/site" "$dest"
  rclone sync --checksum "$OUT/site" "$dest"
}

deploy_lookup() {
  local target path
  for target in $LOOKUP_TARGETS; do
    path=$(target_path "$target")
    step "更新查询数据库 $target/lookup.sqlite"
    on_host "$target" "mkdir -p '$path'"
    rsync -a --checksum "$OUT/lookup.sqlite" "$target/.lookup.sqlite.new"
    on_host "$target" "mv -f '$path/.lookup.sqlite.new' '$path/lookup.sqlite'"
  done
}

case ${1:-} in
  mr)
    validate_and_build
    change_report
    step "完成：变更报告在 $REPORT_DIR/diff.md（合并请求评论）和 $REPORT_DIR/diff.html"
    ;;
  publish)
    : "${SITE_TARGET:?请设置 SITE_TARGET（发布目录、host:/目录 或 s3://桶/前缀）}"
    validate_and_build
    case $SITE_TARGET in
      s3://*) deploy_site_s3 "$SITE_TARGET" ;;
      *) deploy_site_dir "$SITE_TARGET" ;;
    esac
    deploy_lookup
    step "发布完成"
    ;;
  *)
    echo "用法：scripts/pipeline.sh mr|publish" >&2
    exit 2
    ;;
esac
