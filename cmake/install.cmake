# Install layout and Debian package of wireguard_exporter. Included by the top
# CMakeLists.txt after the binary's own install() rule.
#
# With CMAKE_INSTALL_PREFIX=/usr (as in the .deb):
#   /usr/bin/wireguard_exporter
#   /usr/lib/systemd/system/wireguard-exporter.service
#   /usr/lib/sysusers.d/wireguard-exporter.conf
#   /etc/wireguard_exporter/config.yml                 (conffile)
#   /etc/default/wireguard-exporter                    (conffile)
#   /usr/share/wireguard_exporter/dashboards/*.json    Grafana
#   /usr/share/wireguard_exporter/alerts/*.yml         Prometheus rules and their tests
#   /usr/share/wireguard_exporter/prometheus.yml       example scrape config
#   /usr/share/wireguard_exporter/alertmanager.yml     example routes
#   /usr/share/doc/wireguard-exporter/                 README, docs, examples
# With another prefix the same tree lands under it, /etc under PREFIX/etc.
#
# Everything but the binary is in the component "assets", so
#   cmake --install BUILD --component assets --prefix DIR
# works without building the exporter.

# `cpack` and the `install` target install what is built instead of first
# building every target (tests and benchmarks included); build the exporter
# before packaging it.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(WGX_PACKAGE_NAME wireguard-exporter)
set(WGX_ASSET_DATADIR ${CMAKE_INSTALL_DATADIR}/wireguard_exporter)
set(WGX_ASSET_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/${WGX_PACKAGE_NAME})
set(WGX_SRC ${CMAKE_CURRENT_LIST_DIR}/..)

# Grafana dashboards.
install(FILES ${WGX_SRC}/dashboards/wireguard-overview.json ${WGX_SRC}/dashboards/wireguard-peer.json
  DESTINATION ${WGX_ASSET_DATADIR}/dashboards COMPONENT assets)

# Prometheus rules with their unit tests, and the example configs, laid out
# so that `promtool check config .../prometheus.yml` finds the rules.
install(FILES ${WGX_SRC}/config/alerts/wireguard.rules.yml ${WGX_SRC}/config/alerts/wireguard.rules_test.yml
  DESTINATION ${WGX_ASSET_DATADIR}/alerts COMPONENT assets)
install(FILES ${WGX_SRC}/config/prometheus.yml ${WGX_SRC}/config/alertmanager.yml
  DESTINATION ${WGX_ASSET_DATADIR} COMPONENT assets)
# Recording rules giving prometheus_wireguard_exporter's series, with their tests.
install(FILES ${WGX_SRC}/config/compat/prometheus_wireguard_exporter.rules.yml
  ${WGX_SRC}/config/compat/prometheus_wireguard_exporter.rules_test.yml
  DESTINATION ${WGX_ASSET_DATADIR}/compat COMPONENT assets)

# Documentation and examples.
foreach(doc README.md docs/dashboards-and-alerts.md)
  if(EXISTS ${WGX_SRC}/${doc})
    install(FILES ${WGX_SRC}/${doc} DESTINATION ${WGX_ASSET_DOCDIR} COMPONENT assets)
  endif()
endforeach()
file(GLOB WGX_DOCS CONFIGURE_DEPENDS ${WGX_SRC}/docs/*.md)
list(FILTER WGX_DOCS EXCLUDE REGEX "dashboards-and-alerts\\.md$")
if(WGX_DOCS)
  install(FILES ${WGX_DOCS} DESTINATION ${WGX_ASSET_DOCDIR} COMPONENT assets)
endif()
if(EXISTS ${WGX_SRC}/config/example.yml)
  install(FILES ${WGX_SRC}/config/example.yml DESTINATION ${WGX_ASSET_DOCDIR}/examples
    RENAME config.yml COMPONENT assets)
endif()
install(FILES ${WGX_SRC}/systemd/userspace-wireguard.conf ${WGX_SRC}/systemd/namespaces.conf
  DESTINATION ${WGX_ASSET_DOCDIR}/examples COMPONENT assets)

# systemd: the unit, with ExecStart pointing at the installed binary, and the
# service user.
install(FILES ${WGX_SRC}/systemd/wireguard-exporter.sysusers
  DESTINATION lib/sysusers.d RENAME ${WGX_PACKAGE_NAME}.conf COMPONENT assets)

# /etc and the binary's path depend on the prefix in effect at install time
# (CPack installs with its own prefix, /usr), so they are worked out then.
install(CODE "
  set(wgx_prefix \"\${CMAKE_INSTALL_PREFIX}\")
  if(wgx_prefix STREQUAL \"/usr\")
    set(wgx_etc \"/etc\")
  else()
    set(wgx_etc \"\${wgx_prefix}/etc\")
  endif()
  file(READ \"${WGX_SRC}/systemd/wireguard-exporter.service\" wgx_unit)
  string(REPLACE \"/usr/bin/wireguard_exporter\"
         \"\${wgx_prefix}/${CMAKE_INSTALL_BINDIR}/wireguard_exporter\" wgx_unit \"\${wgx_unit}\")
  string(REPLACE \"/etc/wireguard_exporter/\" \"\${wgx_etc}/wireguard_exporter/\" wgx_unit \"\${wgx_unit}\")
  string(REPLACE \"/etc/default/\" \"\${wgx_etc}/default/\" wgx_unit \"\${wgx_unit}\")
  set(wgx_stage \"${CMAKE_CURRENT_BINARY_DIR}/wgx-install-stage\")
  file(WRITE \"\${wgx_stage}/${WGX_PACKAGE_NAME}.service\" \"\${wgx_unit}\")
  file(INSTALL DESTINATION \"\${wgx_prefix}/lib/systemd/system\"
       TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"\${wgx_stage}/${WGX_PACKAGE_NAME}.service\")
  file(INSTALL DESTINATION \"\${wgx_etc}/wireguard_exporter\"
       TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"${WGX_SRC}/systemd/wireguard-exporter.yml\" RENAME config.yml)
  file(INSTALL DESTINATION \"\${wgx_etc}/default\"
       TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"${WGX_SRC}/systemd/wireguard-exporter.default\" RENAME ${WGX_PACKAGE_NAME})
" COMPONENT assets)

# ---------------------------------------------------------------- .deb
# cpack -G DEB in the build directory. The package always installs under
# /usr with its config in /etc, whatever prefix the build was configured for.
set(CPACK_PACKAGE_NAME ${WGX_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "wireguard_exporter")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Prometheus exporter for WireGuard")
set(CPACK_PACKAGE_DESCRIPTION
  "Reads kernel WireGuard (generic netlink) and userspace WireGuard (UAPI socket)\n\
interfaces on every scrape and exports per-peer handshake age, online state and\n\
traffic. Ships a hardened systemd unit, Grafana dashboards and Prometheus alert\n\
rules.")
set(WGX_PACKAGE_MAINTAINER "wireguard_exporter maintainers <wireguard-exporter@localhost>"
  CACHE STRING "Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT "${WGX_PACKAGE_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Shared-library dependencies come from dpkg-shlibdeps (libcivetweb1,
# libyaml-cpp0.7, libspdlog1.10, libmnl0, libssl3, libcrypt1, libisal2, ...).
# A cross build (scripts/cross-arm64.sh) cannot run it on the foreign binary
# and is given the list instead, with the target's architecture.
set(WGX_DEB_SHLIB_DEPENDS "" CACHE STRING "Library dependencies of a cross-built .deb")
if(CMAKE_CROSSCOMPILING)
  if(NOT WGX_DEB_SHLIB_DEPENDS)
    message(WARNING "cross build without WGX_DEB_SHLIB_DEPENDS: the .deb will lack library dependencies")
  endif()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
  endif()
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_STRIP_FILES TRUE)
if(CMAKE_CROSSCOMPILING AND WGX_DEB_SHLIB_DEPENDS)
  # In the order CPack writes a native package's: its own, then the libraries.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser | systemd (>= 247), ${WGX_DEB_SHLIB_DEPENDS}")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser | systemd (>= 247)")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "wireguard-tools, prometheus, prometheus-alertmanager")

set(WGX_DEB_DIR ${CMAKE_CURRENT_BINARY_DIR}/wgx-deb)
file(WRITE ${WGX_DEB_DIR}/conffiles
  "/etc/wireguard_exporter/config.yml\n/etc/default/${WGX_PACKAGE_NAME}\n")
file(WRITE ${WGX_DEB_DIR}/postinst [=[#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd wireguard-exporter >/dev/null; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
      systemd-sysusers wireguard-exporter.conf
    else
      adduser --system --group --no-create-home --home /nonexistent \
        --gecos "WireGuard Prometheus exporter" wireguard-exporter
    fi
  fi
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
    if command -v deb-systemd-helper >/dev/null 2>&1; then
      deb-systemd-helper enable wireguard-exporter.service >/dev/null || true
    fi
    if command -v deb-systemd-invoke >/dev/null 2>&1; then
      deb-systemd-invoke restart wireguard-exporter.service >/dev/null || true
    fi
  fi
fi
exit 0
]=])
file(WRITE ${WGX_DEB_DIR}/prerm [=[#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  if command -v deb-systemd-invoke >/dev/null 2>&1; then
    deb-systemd-invoke stop wireguard-exporter.service >/dev/null || true
  fi
fi
exit 0
]=])
file(WRITE ${WGX_DEB_DIR}/postrm [=[#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null || true
fi
if [ "$1" = purge ] && command -v deb-systemd-helper >/dev/null 2>&1; then
  deb-systemd-helper purge wireguard-exporter.service >/dev/null || true
fi
exit 0
]=])
file(CHMOD ${WGX_DEB_DIR}/postinst ${WGX_DEB_DIR}/prerm ${WGX_DEB_DIR}/postrm
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
  WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${WGX_DEB_DIR}/conffiles ${WGX_DEB_DIR}/postinst ${WGX_DEB_DIR}/prerm ${WGX_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
