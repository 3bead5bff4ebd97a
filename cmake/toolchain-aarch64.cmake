# Cross-compiling for arm64 (aarch64) with Debian's cross toolchain
# (crossbuild-essential-arm64) against a Debian 12 arm64 sysroot, such as the
# one scripts/cross-arm64.sh makes with mmdebstrap:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake -DWGX_SYSROOT=DIR ...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

if(NOT WGX_SYSROOT)
  set(WGX_SYSROOT $ENV{WGX_SYSROOT})
endif()
if(NOT WGX_SYSROOT OR NOT EXISTS ${WGX_SYSROOT}/usr/include)
  message(FATAL_ERROR "WGX_SYSROOT must name an arm64 Debian sysroot (see scripts/cross-arm64.sh)")
endif()
# try_compile projects read this file again: pass the sysroot on to them.
set(ENV{WGX_SYSROOT} ${WGX_SYSROOT})
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WGX_SYSROOT)
set(CMAKE_SYSROOT ${WGX_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${WGX_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# pkg-config reads the sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_LIBDIR}
  "${WGX_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${WGX_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${WGX_SYSROOT})

# Run the cross-built programs under qemu-user where CMake needs to.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${WGX_SYSROOT})
