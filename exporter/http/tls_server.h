// TLS for civetweb 1.15 as Debian builds it: civetweb opens OpenSSL itself
// with dlopen("libssl.so") and dlopen("libcrypto.so") and looks up the
// OpenSSL 1.1 names, one of which (SSL_get_peer_certificate) OpenSSL 3 no
// longer exports. Two small libraries of the exporter's own carry those
// SONAMEs (exporter/tls_shim); loaded first, by absolute path, they are what
// civetweb's dlopen gets back. Then every connection's SSL is set up here
// from the current web configuration.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "exporter/http/tls_material.h"

namespace wgx {

// What a TLS connection is set up from; asked once per new connection, so
// it may re-read files that changed.
class TlsSource {
 public:
  virtual ~TlsSource() = default;
  virtual std::shared_ptr<const TlsGeneration> CurrentTls() = 0;
};

// The directory of the shims next to this executable: the installed layout
// (bin/../lib/wireguard_exporter) or the build tree's. Empty when neither holds them.
std::string DefaultTlsLibraryDir();

// Loads the shims from `library_dir` and initialises civetweb's TLS. Safe to
// call more than once (the first answer stands). An error text when TLS
// cannot be served: then no TLS port may be opened, because civetweb would
// go on with a half-loaded OpenSSL and crash on the first connection.
std::optional<std::string> PrepareCivetwebTls(const std::string& library_dir);

// civetweb's init_ssl callback: replaces civetweb's OpenSSL 1.0-era options
// on `ssl_ctx` (which under OpenSSL 3 switch off the extended master secret,
// among others) and installs the per-connection hooks. Returns 1 (civetweb
// must not touch the context further) or -1.
int ConfigureSslContext(void* ssl_ctx, TlsSource& source);

}  // namespace wgx
