// The certificate, key and client CA a tls_server_config names, loaded into
// OpenSSL objects once per change of their files, and the per-connection
// settings built from them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/loader.h"
#include "exporter/http/tls_config.h"

// OpenSSL's types, as its headers declare them.
struct x509_st;
struct evp_pkey_st;
struct x509_store_st;
struct stack_st_X509;
struct stack_st_X509_NAME;

namespace wgx {

class TlsMaterial {
 public:
  TlsMaterial() = default;
  ~TlsMaterial();
  TlsMaterial(const TlsMaterial&) = delete;
  TlsMaterial& operator=(const TlsMaterial&) = delete;

  x509_st* leaf = nullptr;
  stack_st_X509* chain = nullptr;  // intermediates after the leaf; may be empty
  evp_pkey_st* key = nullptr;
  x509_store_st* client_ca = nullptr;             // nullptr without a client CA
  stack_st_X509_NAME* client_ca_names = nullptr;  // sent in the CertificateRequest
  std::string leaf_subject;                       // for log lines
  std::string leaf_not_after;
};

// Reads and checks the PEM sources of `config` (the key matches the
// certificate, the CA file holds certificates). Errors point at the key that
// named the file.
std::variant<std::shared_ptr<const TlsMaterial>, ConfigError> LoadTlsMaterial(
    const TlsServerConfig& config, const std::string& web_config_file);

// Everything one TLS connection is set up from: the parsed settings, the
// material, and an identity that changes with either (the session ID context,
// so a session resumed across a change does not skip the new checks).
struct TlsGeneration {
  TlsServerConfig config;
  std::shared_ptr<const TlsMaterial> material;
  std::vector<FileStamp> stamps;  // of config.Files() when the material was read
  std::uint64_t id = 0;
};

// True when `cert` carries one of `allowed` as a DNS name, e-mail address, IP
// address (in Go's text form) or URI subject alternative name.
bool HasAllowedSan(x509_st* cert, const std::vector<std::string>& allowed);

// Stamps the files of `config`, then loads its material, as a new generation.
std::variant<std::shared_ptr<const TlsGeneration>, ConfigError> LoadTlsGeneration(
    const TlsServerConfig& config, const std::string& web_config_file);

// True when a file of `generation` changed since it was loaded.
bool TlsFilesChanged(const TlsGeneration& generation);

}  // namespace wgx
