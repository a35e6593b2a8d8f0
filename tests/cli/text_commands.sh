#!/usr/bin/env bash
# End-to-end tests of `sxtp canon|hash|pretty` against every conformance
# vector, plus the error format, exit codes, stdin, --all and hostile depth.
# usage: text_commands.sh PATH/TO/sxtp TEST_DATA_DIR
set -u
sxtp=$1
data=$2
vectors=$data/conformance/sx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

for sx in "$vectors"/*.sx; do
    name=$(basename "$sx" .sx)
    if [ -f "$vectors/$name.canon" ]; then
        "$sxtp" canon "$sx" >"$tmp/out" 2>"$tmp/err"; rc=$?
        # .canon's text without its final newline, plus the newline sxtp prints
        if [ $rc -eq 0 ] && cmp -s "$tmp/out" <(printf '%s\n' "$(cat "$vectors/$name.canon")"); then ok; else bad "canon $name (exit $rc)"; fi
        "$sxtp" hash <"$sx" >"$tmp/out" 2>"$tmp/err"; rc=$?
        if [ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = "$(cat "$vectors/$name.hash")" ]; then ok; else bad "hash $name (exit $rc)"; fi
        "$sxtp" pretty "$sx" | "$sxtp" canon >"$tmp/out"
        if cmp -s "$tmp/out" <(printf '%s\n' "$(cat "$vectors/$name.canon")"); then ok; else bad "pretty|canon $name"; fi
    elif [ -f "$vectors/$name.error" ]; then
        for cmd in canon hash pretty; do
            "$sxtp" $cmd "$sx" >"$tmp/out" 2>"$tmp/err"; rc=$?
            if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] &&
               grep -Eq '^error: .+ at [0-9]+:[0-9]+ \(offset [0-9]+\)$' "$tmp/err"; then ok
            else bad "$cmd $name: exit $rc, stderr '$(cat "$tmp/err")', stdout $(wc -c <"$tmp/out") bytes"; fi
        done
    fi
done

# 100,000-deep input: a clear error, no crash.
head -c 100000 /dev/zero | tr '\0' '(' >"$tmp/deep.sx"
"$sxtp" canon "$tmp/deep.sx" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q '^error: nesting too deep at 1:257 (offset 256)$' "$tmp/err"; then ok; else bad "deep input: exit $rc $(cat "$tmp/err")"; fi

# --all prints one canonical line per top-level form of a document.
"$sxtp" canon --all "$data/seeds/spec.sx" >"$tmp/out"; rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 15 ]; then ok; else bad "canon --all spec.sx"; fi
"$sxtp" canon --all "$tmp/out" >"$tmp/out2"
if cmp -s "$tmp/out" "$tmp/out2"; then ok; else bad "canon --all is not a fixed point"; fi
"$sxtp" hash --all "$data/seeds/spec.sx" | grep -Ec '^sha3-[0-9a-f]{64}$' >"$tmp/n"
if [ "$(cat "$tmp/n")" -eq 15 ]; then ok; else bad "hash --all"; fi
# Without --all a document of many forms is an error at its second form.
"$sxtp" canon "$data/seeds/spec.sx" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q 'at 11:1 (offset 460)' "$tmp/err"; then ok; else bad "canon of a document: $(cat "$tmp/err")"; fi

# Error on a later line reports that line; stdin by "-".
printf '(a\n  b))' | "$sxtp" canon - >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$tmp/err")" = "error: unexpected data after the value at 2:5 (offset 7)" ]; then ok; else bad "stdin error: $(cat "$tmp/err")"; fi

# Usage errors exit 2; a missing file exits 1; --help exits 0.
"$sxtp" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown command"
"$sxtp" canon --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown option"
"$sxtp" canon "$tmp/does-not-exist" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q '^error: cannot open' "$tmp/err"; then ok; else bad "missing file"; fi
"$sxtp" --help | grep -q '^usage: sxtp' && ok || bad "--help"
"$sxtp" pretty --width 16 <<<'{:alpha 1 :beta (x y z)}' >"$tmp/out"
if [ "$(cat "$tmp/out")" = $'{:alpha 1\n :beta (x y z)}' ]; then ok; else bad "pretty --width: $(cat "$tmp/out")"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
