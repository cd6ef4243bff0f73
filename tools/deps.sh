# Installs the Debian packages named as arguments that are not installed yet (sourced by
# run.sh and test.sh). Needs root, as on the project's machines; apt-get update runs once.
rowgate_install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ROWGATE_BUILD_PACKAGES=(cmake make g++ pkg-config python3 nlohmann-json3-dev libgtest-dev googletest libbenchmark-dev
  libpistache-dev libsqlite3-dev libssl-dev postgresql libpq-dev zlib1g-dev)
# The WebAssembly build and its Node tests. No npm: nothing here needs it, and Debian's npm
# cannot be installed beside a NodeSource nodejs (the packages conflict).
ROWGATE_WASM_PACKAGES=(emscripten nodejs)
# Fuzzing (fuzz/run.sh): clang with libFuzzer and the sanitizer runtimes, and llvm's tools
# (llvm-symbolizer for the stacks).
ROWGATE_FUZZ_PACKAGES=(clang libclang-rt-14-dev llvm)
# The web pages' end-to-end tests (tests/web/run.sh): Debian's Chromium, driven by playwright-core
# from npm (tests/web/package.json; npm ci, not Debian's npm).
ROWGATE_WEB_PACKAGES=(chromium)
# The load run (bench/load/run.sh): wrk.
ROWGATE_LOAD_PACKAGES=(wrk)
