# Cross build for 64-bit ARM Linux (Raspberry Pi 4/5 and other ARM64 boards)
# with Debian's cross toolchain (crossbuild-essential-arm64). Programs run
# here under qemu-aarch64-static; INDORERANK_QEMU_CPU pins the emulated core
# (cortex-a72: NEON without dotprod, like a Pi 4; cortex-a76: with dotprod, a Pi 5).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(NOT INDORERANK_QEMU_CPU)
  set(INDORERANK_QEMU_CPU cortex-a72)
endif()
# The arm64 runtime qemu loads programs with: Debian's multiarch libc6:arm64
# (installed with libcpp-httplib-dev:arm64) where present, since programs
# linking arm64 -dev libraries need that very libc; else the cross toolchain's.
# Never mix the two: ld.so of one with libc.so.6 of the other hangs in
# pthread_create.
if(EXISTS /lib/ld-linux-aarch64.so.1)
  set(INDORERANK_QEMU_LD_PREFIX /)
else()
  set(INDORERANK_QEMU_LD_PREFIX /usr/aarch64-linux-gnu)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${INDORERANK_QEMU_LD_PREFIX} -cpu ${INDORERANK_QEMU_CPU})
# Debian multiarch: arm64 -dev packages (e.g. libcpp-httplib-dev:arm64) live
# in /usr/lib/aarch64-linux-gnu, which the cross compiler searches; pkg-config
# must read their .pc files, and find_library must look there too.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
list(APPEND CMAKE_FIND_ROOT_PATH /)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
