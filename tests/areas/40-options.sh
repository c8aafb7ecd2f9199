# README's option table is generated from harness/options.c: make test keeps them equal.
echo "# README's option table is harness/options.c's"
v1=${VARIANTS%% *}
sed -n '/^<!-- options: generated/,/^<!-- end of options -->/p' README.md | sed '1d;$d' >"$LOGS/readme-options.md"
build/$v1/gclab options --markdown >"$LOGS/gclab-options.md" 2>&1
check "README's option table equals gclab options --markdown" 0 diff "$LOGS/readme-options.md" "$LOGS/gclab-options.md"
