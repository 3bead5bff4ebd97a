#include "exporter/http/tls_server.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <exception>
#include <filesystem>

namespace wgx {
namespace {

using Generation = std::shared_ptr<const TlsGeneration>;

// Index of the per-connection Generation in SSL ex_data; its free function
// releases it with the connection.
int GenerationIndex() {
  static const int index = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<Generation*>(ptr);  // NOLINT(cppcoreguidelines-owning-memory)
      });
  return index;
}

const TlsGeneration* GenerationOf(const SSL* ssl) {
  const auto* held = static_cast<const Generation*>(SSL_get_ex_data(ssl, GenerationIndex()));
  return held != nullptr ? held->get() : nullptr;
}

int VerifyMode(const TlsServerConfig& config) {
  if (!config.RequestsClientCert()) return SSL_VERIFY_NONE;
  int mode = SSL_VERIFY_PEER;
  if (config.RequiresClientCert()) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  return mode;
}

// Applies one generation to a connection; false when OpenSSL refused a setting.
bool Apply(SSL* ssl, const TlsGeneration& generation) {
  const TlsServerConfig& c = generation.config;
  const TlsMaterial& m = *generation.material;
  bool ok = SSL_set_min_proto_version(ssl, c.min_version) == 1 &&
            SSL_set_max_proto_version(ssl, c.max_version) == 1;
  if (ok && !c.cipher_list.empty()) ok = SSL_set_cipher_list(ssl, c.cipher_list.c_str()) == 1;
  if (ok && !c.ciphersuites.empty()) ok = SSL_set_ciphersuites(ssl, c.ciphersuites.c_str()) == 1;
  if (ok && !c.groups.empty()) ok = SSL_set1_groups_list(ssl, c.groups.c_str()) == 1;
  if (c.prefer_server_cipher_suites) {
    SSL_set_options(ssl, SSL_OP_CIPHER_SERVER_PREFERENCE);
  } else {
    SSL_clear_options(ssl, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  SSL_set_verify(ssl, VerifyMode(c), nullptr);
  if (ok && m.client_ca != nullptr) {
    ok = SSL_set1_verify_cert_store(ssl, m.client_ca) == 1;
    if (ok && c.RequestsClientCert()) {
      SSL_set_client_CA_list(ssl, SSL_dup_CA_list(m.client_ca_names));
    }
  }
  // Sessions are resumed only within the generation they were made in.
  std::array<unsigned char, sizeof generation.id> sid{};
  std::memcpy(sid.data(), &generation.id, sid.size());
  if (ok) ok = SSL_set_session_id_context(ssl, sid.data(), sid.size()) == 1;
  return ok;
}

// First callback of a handshake, before the version is chosen.
int OnClientHello(SSL* ssl, int* alert, void* arg) {
  try {
    if (GenerationOf(ssl) != nullptr) return SSL_CLIENT_HELLO_SUCCESS;  // after a HelloRetryRequest
    auto* source = static_cast<TlsSource*>(arg);
    Generation generation = source->CurrentTls();
    if (generation == nullptr || generation->material == nullptr) {
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    }
    auto held = std::make_unique<Generation>(generation);
    if (SSL_set_ex_data(ssl, GenerationIndex(), held.get()) != 1) {
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    }
    (void)held.release();  // owned by the SSL now
    if (!Apply(ssl, *generation)) {
      spdlog::error("tls: cannot apply the TLS settings: {}",
                    ERR_reason_error_string(ERR_get_error()));
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
  } catch (...) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
}

// Gives the connection the certificate of its generation.
int OnCertificate(SSL* ssl, void* /*arg*/) {
  const TlsGeneration* generation = GenerationOf(ssl);
  if (generation == nullptr) return 0;
  const TlsMaterial& m = *generation->material;
  return SSL_use_cert_and_key(ssl, m.leaf, m.key, m.chain, 1) == 1 ? 1 : 0;
}

// Replaces OpenSSL's chain verification of the client's certificate: run it
// only for the client_auth_types that verify, then match client_allowed_sans
// on the certificate the client sent first, as exporter-toolkit does.
int OnVerifyClientCertificate(X509_STORE_CTX* store, void* /*arg*/) {
  const auto* ssl = static_cast<const SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const TlsGeneration* generation = ssl != nullptr ? GenerationOf(ssl) : nullptr;
  if (generation == nullptr) return 0;
  const TlsServerConfig& c = generation->config;
  if (c.VerifiesClientCert() && X509_verify_cert(store) != 1) {
    spdlog::debug("tls: client certificate refused: {}",
                  X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
    return 0;
  }
  if (!c.client_allowed_sans.empty() &&
      !HasAllowedSan(X509_STORE_CTX_get0_cert(store), c.client_allowed_sans)) {
    spdlog::debug(
        "tls: client certificate refused: no subject alternative name is in "
        "client_allowed_sans");
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

std::string ExecutableDir() {
  std::array<char, PATH_MAX> path{};
  const ssize_t n = readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(path.data(), static_cast<std::size_t>(n)))
      .parent_path()
      .string();
}

}  // namespace

std::string DefaultTlsLibraryDir() {
  const std::string exe_dir = ExecutableDir();
  if (exe_dir.empty()) return {};
  for (const char* relative : {WGX_TLS_SHIM_RELDIR, WGX_TLS_SHIM_BUILD_SUBDIR}) {
    const std::filesystem::path dir =
        (std::filesystem::path(exe_dir) / relative).lexically_normal();
    std::error_code ignored;
    if (std::filesystem::exists(dir / "libssl.so", ignored)) return dir.string();
  }
  return {};
}

std::optional<std::string> PrepareCivetwebTls(const std::string& library_dir) {
  static const std::optional<std::string> result = [&]() -> std::optional<std::string> {
    if (library_dir.empty()) {
      return "the TLS helper libraries (libssl.so, libcrypto.so of wireguard_exporter) are "
             "not installed next to the executable";
    }
    // Both before civetweb looks: glibc hands a library already loaded under
    // a SONAME to a later dlopen of that bare name.
    for (const char* name : {"libcrypto.so", "libssl.so"}) {
      const std::string path = library_dir + "/" + name;
      if (dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
        // Only ever reached inside this one-time initialisation, which no
        // other thread runs at the same time.
        const char* why = dlerror();  // NOLINT(concurrency-mt-unsafe)
        return "cannot load " + path + ": " + (why != nullptr ? why : "unknown error");
      }
    }
    void* ssl = dlopen("libssl.so", RTLD_NOW | RTLD_NOLOAD);
    if (ssl == nullptr || dlsym(ssl, "SSL_get_peer_certificate") == nullptr ||
        dlsym(ssl, "SSL_CTX_new") == nullptr) {
      return "the TLS helper library in " + library_dir +
             " does not provide what civetweb looks up";
    }
    const unsigned features = mg_init_library(MG_FEATURES_SSL);
    if ((features & MG_FEATURES_SSL) == 0) {
      return std::string("civetweb could not initialise OpenSSL");
    }
    return std::nullopt;
  }();
  return result;
}

int ConfigureSslContext(void* ssl_ctx, TlsSource& source) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  // civetweb ORs in SSL_OP_ALL and SSL_OP_NO_SSLv2 as OpenSSL 1.0 numbered
  // them (0x80000BFF, 0x01000000); under OpenSSL 3 those bits mean
  // SSL_OP_NO_EXTENDED_MASTER_SECRET, SSL_OP_ENABLE_KTLS,
  // SSL_OP_ALLOW_CLIENT_RENEGOTIATION, SSL_OP_DISABLE_TLSEXT_CA_NAMES,
  // SSL_OP_NO_ANTI_REPLAY and more. Start from nothing and set what is meant.
  SSL_CTX_clear_options(ctx, SSL_CTX_get_options(ctx));
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_ENABLE_MIDDLEBOX_COMPAT | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return -1;
  static constexpr unsigned char kContext[] = "wireguard_exporter";
  SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext - 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_client_hello_cb(ctx, &OnClientHello, &source);
  SSL_CTX_set_cert_cb(ctx, &OnCertificate, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &OnVerifyClientCertificate, nullptr);
  // Nothing is read or written before a request: a handshake can be cheap.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return 1;
}

}  // namespace wgx
