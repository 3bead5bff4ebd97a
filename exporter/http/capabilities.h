// The exporter's own capabilities.
#pragma once

#include <string>

namespace wgx {

// Makes every capability in the permitted set effective. A non-root process
// started from a binary whose file capabilities are permitted-only (the
// container image's: cap_net_admin,cap_dac_override+p) holds them permitted
// but not effective; the runtimes that grant a non-root user no ambient
// capabilities (Docker, containerd) leave them so. Returns the names of the
// capabilities now effective, comma-separated ("" for none), or an error
// text starting with "error: ".
std::string RaisePermittedCapabilities();

}  // namespace wgx
