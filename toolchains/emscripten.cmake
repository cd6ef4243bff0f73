# The WebAssembly build (`cmake --preset wasm`): Debian's Emscripten (package emscripten,
# 3.1.6), whose platform file does the real work; this file finds it and gives its linker the
# NODE_PATH that Debian's packaging leaves out.
#
# Debian's cache is frozen (FROZEN_CACHE): only the prebuilt system libraries exist (among
# them libc++-noexcept, libembind and dlmalloc), so a flag that needs a variant Debian did not
# build fails at link time.

# Where Debian puts Emscripten; the environment variable EMSCRIPTEN points elsewhere if needed.
set(ROWGATE_EMSCRIPTEN_ROOT "/usr/share/emscripten")
if(DEFINED ENV{EMSCRIPTEN} AND NOT "$ENV{EMSCRIPTEN}" STREQUAL "")
  set(ROWGATE_EMSCRIPTEN_ROOT "$ENV{EMSCRIPTEN}")
endif()
set(ROWGATE_EMSCRIPTEN_PLATFORM "${ROWGATE_EMSCRIPTEN_ROOT}/cmake/Modules/Platform/Emscripten.cmake")
if(NOT EXISTS "${ROWGATE_EMSCRIPTEN_PLATFORM}")
  message(FATAL_ERROR "Emscripten not found at ${ROWGATE_EMSCRIPTEN_ROOT}: install the Debian package "
                      "emscripten (tools/deps.sh, ROWGATE_WASM_PACKAGES) or set EMSCRIPTEN to its folder.")
endif()
include("${ROWGATE_EMSCRIPTEN_PLATFORM}")

# Emscripten's JavaScript optimizer (acorn, terser) runs under node at link time and
# finds those modules only through NODE_PATH, where Debian installs them.
set(ROWGATE_NODE_PATH "/usr/share/nodejs" CACHE PATH "Where Debian's node-acorn and node-terser live")
set(CMAKE_CXX_LINKER_LAUNCHER "${CMAKE_COMMAND}" -E env "NODE_PATH=${ROWGATE_NODE_PATH}")
set(CMAKE_C_LINKER_LAUNCHER "${CMAKE_COMMAND}" -E env "NODE_PATH=${ROWGATE_NODE_PATH}")

