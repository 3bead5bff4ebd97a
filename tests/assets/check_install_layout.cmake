# cmake -DBUILD_DIR=... -DWORK_DIR=... -P check_install_layout.cmake
# Installs the "assets" component under a scratch prefix and checks the tree.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component assets
                        --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}")
endif()
set(p ${WORK_DIR}/prefix)
foreach(f lib/systemd/system/wireguard-exporter.service lib/sysusers.d/wireguard-exporter.conf
          etc/wireguard_exporter/config.yml etc/default/wireguard-exporter
          share/wireguard_exporter/dashboards/wireguard-overview.json
          share/wireguard_exporter/dashboards/wireguard-peer.json
          share/wireguard_exporter/alerts/wireguard.rules.yml
          share/wireguard_exporter/alerts/wireguard.rules_test.yml
          share/wireguard_exporter/compat/prometheus_wireguard_exporter.rules.yml
          share/wireguard_exporter/compat/prometheus_wireguard_exporter.rules_test.yml
          share/wireguard_exporter/prometheus.yml share/wireguard_exporter/alertmanager.yml
          share/doc/wireguard-exporter/examples/userspace-wireguard.conf
          share/doc/wireguard-exporter/examples/namespaces.conf)
  if(NOT EXISTS ${p}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
# Outside /usr, the unit points at the prefix's binary and config.
file(READ ${p}/lib/systemd/system/wireguard-exporter.service unit)
string(FIND "${unit}" "ExecStart=${p}/bin/wireguard_exporter --config.file=${p}/etc/wireguard_exporter/config.yml" at)
if(at EQUAL -1)
  message(FATAL_ERROR "ExecStart does not follow the prefix:\n${unit}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "install layout under a scratch prefix: ok")
