# Install rules and Debian packages (`cpack -G DEB` in a native or arm64
# build): the CLI, the shared library, the public headers, a pkg-config file
# and a systemd unit for `indorerank serve`.
include(GNUInstallDirs)
# Debian's multiarch library folder (lib/x86_64-linux-gnu, lib/aarch64-linux-gnu).
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(CMAKE_INSTALL_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE})
endif()
# The .pc file finds its prefix relative to itself, so it is right wherever
# the tree is installed (/usr from the package, /usr/local from make install).
file(RELATIVE_PATH PC_PREFIX_FROM_PCFILEDIR /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" PC_PREFIX_FROM_PCFILEDIR "${PC_PREFIX_FROM_PCFILEDIR}")

install(TARGETS indorerank_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS indorerank_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/indorerank DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
configure_file(${PROJECT_SOURCE_DIR}/embedded/packaging/indorerank.pc.in ${CMAKE_BINARY_DIR}/indorerank.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/indorerank.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${PROJECT_SOURCE_DIR}/embedded/packaging/indorerank.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})

if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
  # sentencepiece is linked in statically (cross-built), so only the C/C++ runtime remains.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1")
  if(INDORERANK_HAVE_HTTP)  # fetch (Debian's shared cpp-httplib) and serve (libmicrohttpd)
    string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libcpp-httplib0.11 (>= 0.11.4), libmicrohttpd12 (>= 0.9.75)")
  endif()
else()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # libsentencepiece0, libc6, libstdc++6, ...
endif()
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME indorerank)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "indorerank maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Rerank Indonesian passages with an int8 cross-encoder, on device")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "indorerank reranks Indonesian (Bahasa Indonesia) search results on the
 machine itself with a small int8 cross-encoder: a command-line tool, a local
 rerank server (systemd unit indorerank.service), and a C/C++ library.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
