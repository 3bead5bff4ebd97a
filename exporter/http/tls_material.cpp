#include "exporter/http/tls_material.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "exporter/config/file_util.h"
#include "exporter/wireguard/key.h"

namespace wgx {
namespace {

// Certificates and keys are small; anything larger is not one.
constexpr std::size_t kMaxPemSize = 1 << 20;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no PEM data found";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

ConfigError ErrorFor(const PemSource& source, const std::string& web_config_file,
                     const std::string& why) {
  std::string message = "tls_server_config." + source.key + ": ";
  if (!source.path.empty()) message += source.path + ": ";
  return ConfigError{web_config_file, source.place.line, source.place.column, message + why};
}

// The PEM text of `source` into `text`; an error text when it cannot be read.
std::string ReadPem(const PemSource& source, std::string& text) {
  if (source.path.empty()) {
    text = source.inline_text;
    return {};
  }
  const FileReadResult read = ReadRegularFile(source.path, kMaxPemSize, text);
  if (!read.ok()) return "cannot read it: " + read.error;
  return {};
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using UniqueBio = std::unique_ptr<BIO, BioDeleter>;

UniqueBio MemoryBio(const std::string& text) {
  return UniqueBio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Every certificate in `text`, in order; empty when there is none.
std::vector<X509*> ReadCertificates(const std::string& text) {
  std::vector<X509*> certs;
  UniqueBio bio = MemoryBio(text);
  while (bio != nullptr) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    certs.push_back(cert);
  }
  ERR_clear_error();  // the read past the last certificate fails by design
  return certs;
}

std::string TimeText(const ASN1_TIME* time) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || ASN1_TIME_print(bio.get(), time) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string NameText(const X509_NAME* name) {
  char text[512];
  if (X509_NAME_oneline(name, text, sizeof text) == nullptr) return {};
  return text;
}

std::atomic<std::uint64_t> next_generation{1};

}  // namespace

TlsMaterial::~TlsMaterial() {
  X509_free(leaf);
  sk_X509_pop_free(chain, X509_free);
  EVP_PKEY_free(key);
  X509_STORE_free(client_ca);
  sk_X509_NAME_pop_free(client_ca_names, X509_NAME_free);
}

std::variant<std::shared_ptr<const TlsMaterial>, ConfigError> LoadTlsMaterial(
    const TlsServerConfig& config, const std::string& web_config_file) {
  auto material = std::make_shared<TlsMaterial>();
  std::string text;

  if (std::string why = ReadPem(config.cert, text); !why.empty()) {
    return ErrorFor(config.cert, web_config_file, why);
  }
  std::vector<X509*> certs = ReadCertificates(text);
  if (certs.empty()) {
    return ErrorFor(config.cert, web_config_file, "no PEM certificate found");
  }
  material->leaf = certs.front();
  material->chain = sk_X509_new_null();
  for (std::size_t i = 1; i < certs.size(); ++i) sk_X509_push(material->chain, certs[i]);
  material->leaf_subject = NameText(X509_get_subject_name(material->leaf));
  material->leaf_not_after = TimeText(X509_get0_notAfter(material->leaf));

  const std::string key_why = ReadPem(config.key, text);
  if (!key_why.empty()) {
    SecureWipe(text);
    return ErrorFor(config.key, web_config_file, key_why);
  }
  {
    UniqueBio bio = MemoryBio(text);
    material->key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  }
  SecureWipe(text);
  if (material->key == nullptr) {
    return ErrorFor(config.key, web_config_file,
                    "no unencrypted PEM private key found (" + OpenSslError() + ")");
  }
  if (X509_check_private_key(material->leaf, material->key) != 1) {
    ERR_clear_error();
    return ErrorFor(config.key, web_config_file,
                    "the private key does not belong to the certificate of " + config.cert.key +
                        (config.cert.path.empty() ? "" : " " + config.cert.path));
  }

  if (!config.client_ca.empty()) {
    if (std::string why = ReadPem(config.client_ca, text); !why.empty()) {
      return ErrorFor(config.client_ca, web_config_file, why);
    }
    std::vector<X509*> cas = ReadCertificates(text);
    if (cas.empty()) return ErrorFor(config.client_ca, web_config_file, "no PEM certificate found");
    material->client_ca = X509_STORE_new();
    material->client_ca_names = sk_X509_NAME_new_null();
    for (X509* ca : cas) {
      X509_STORE_add_cert(material->client_ca, ca);
      sk_X509_NAME_push(material->client_ca_names, X509_NAME_dup(X509_get_subject_name(ca)));
      X509_free(ca);  // the store holds its own reference
    }
    ERR_clear_error();  // a duplicate CA is reported by X509_STORE_add_cert, harmlessly
  }
  return std::shared_ptr<const TlsMaterial>(std::move(material));
}

bool HasAllowedSan(X509* cert, const std::vector<std::string>& allowed) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string value;
    if (name->type == GEN_DNS || name->type == GEN_EMAIL || name->type == GEN_URI) {
      const ASN1_IA5STRING* s = name->d.ia5;
      value.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                   static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {0};
      const int length = ASN1_STRING_length(ip);
      if ((length == 4 || length == 16) &&
          inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text,
                    sizeof text) != nullptr) {
        value = text;
      }
    }
    found = !value.empty() && std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  }
  GENERAL_NAMES_free(names);
  return found;
}

std::variant<std::shared_ptr<const TlsGeneration>, ConfigError> LoadTlsGeneration(
    const TlsServerConfig& config, const std::string& web_config_file) {
  auto generation = std::make_shared<TlsGeneration>();
  generation->config = config;
  // Stamped before reading: a change while reading is seen next time.
  for (const auto& file : config.Files()) generation->stamps.push_back(StampFile(file));
  auto loaded = LoadTlsMaterial(config, web_config_file);
  if (auto* error = std::get_if<ConfigError>(&loaded)) return *error;
  generation->material = std::get<std::shared_ptr<const TlsMaterial>>(std::move(loaded));
  generation->id = next_generation.fetch_add(1);
  return std::shared_ptr<const TlsGeneration>(std::move(generation));
}

bool TlsFilesChanged(const TlsGeneration& generation) {
  return std::any_of(generation.stamps.begin(), generation.stamps.end(),
                     [](const FileStamp& stamp) { return StampFile(stamp.path) != stamp; });
}

}  // namespace wgx
