# Sourced by the test/cli/*.sh scripts (after they set `bin`): a scratch folder in $tmp, a
# failure count in $failures, and `expect CODE "SUBSTRING" ARGS...`, which runs the binary with
# ARGS and checks its exit code and that its output (stdout or stderr) contains SUBSTRING.
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {
  local code="$1" needle="$2"
  shift 2
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$code" ]; then
    echo "FAIL: pertoken $* exited $got, expected $code"; cat "$tmp/err"; failures=$((failures + 1)); return
  fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err" "$tmp/out"; then
    echo "FAIL: pertoken $*: output lacks '$needle'"; cat "$tmp/out" "$tmp/err"; failures=$((failures + 1))
  fi
}
