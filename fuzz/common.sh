# Shared by fuzz/run and fuzz/replay (sourced, not run).

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi

# The Swift runtime's own crash backtracer would print (slowly) over libFuzzer's report.
export SWIFT_BACKTRACE=enable=no

# Leaks inside the toolchain's own libraries that LeakSanitizer would report as ours (see the file).
export LSAN_OPTIONS="suppressions=$FUZZ_DIR/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# Every Sources/fuzz-NAME directory is a target; prints the NAMEs.
fuzz_all_targets() {
  local dir
  for dir in "$FUZZ_DIR"/Sources/fuzz-*/; do
    [ -d "$dir" ] || continue
    dir="${dir%/}"
    echo "${dir##*/fuzz-}"
  done
}

# Accepts NAME or fuzz-NAME; prints NAME or fails.
fuzz_target_name() {
  local name="${1#fuzz-}"
  if [ ! -d "$FUZZ_DIR/Sources/fuzz-$name" ]; then
    echo "unknown fuzz target '$1'; targets: $(fuzz_all_targets | tr '\n' ' ')" >&2
    return 1
  fi
  echo "$name"
}

# The target's libFuzzer options, from its '// fuzz-options:' line.
fuzz_target_options() {
  grep -h '^// fuzz-options:' "$FUZZ_DIR/Sources/fuzz-$1"/*.swift 2>/dev/null | sed 's|^// fuzz-options:||' | head -n 1
}

# fuzz_build ASAN(0|1) TARGET... — builds the targets, sets FUZZ_BIN to the binaries' directory.
# `--sanitize=fuzzer` makes SwiftPM link libFuzzer's main (instead of the target's own main);
# ASan is added with -Xswiftc -sanitize=fuzzer,address because SwiftPM's repeated --sanitize
# flags reach swiftc as separate -sanitize= options and the last one wins (coverage would be lost).
fuzz_build() {
  local asan="$1"
  shift
  local scratch="$FUZZ_DIR/.build/fuzzer"
  local extra=()
  if [ "$asan" = 1 ]; then
    scratch="$FUZZ_DIR/.build/fuzzer-address"
    extra=(-Xswiftc -sanitize=fuzzer,address)
  fi
  local target
  # One build per product: SwiftPM takes a single --product.
  for target in "$@"; do
    swift build --package-path "$FUZZ_DIR" --scratch-path "$scratch" -c release \
      --sanitize=fuzzer "${extra[@]}" --product "fuzz-$target" >&2 \
      || { echo "fuzz: building fuzz-$target failed (a new target must be listed in fuzzTargets in fuzz/Package.swift)" >&2; return 1; }
  done
  FUZZ_BIN="$scratch/release"
}
