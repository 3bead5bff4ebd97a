#include "exporter/wireguard/key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace wgx {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Key::IsZero() const {
  std::uint8_t acc = 0;
  for (auto b : bytes) acc |= b;
  return acc == 0;
}

void Key::AppendBase64(std::string& out) const {
  const std::size_t start = out.size();
  out.resize(start + kKeyBase64Length);
  char* p = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= kKeyLength; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    *p++ = kBase64Alphabet[(v >> 18) & 63];
    *p++ = kBase64Alphabet[(v >> 12) & 63];
    *p++ = kBase64Alphabet[(v >> 6) & 63];
    *p++ = kBase64Alphabet[v & 63];
  }
  // 32 = 30 + 2: two bytes left, one '=' of padding.
  const std::uint32_t v = (std::uint32_t{bytes[30]} << 16) | (std::uint32_t{bytes[31]} << 8);
  *p++ = kBase64Alphabet[(v >> 18) & 63];
  *p++ = kBase64Alphabet[(v >> 12) & 63];
  *p++ = kBase64Alphabet[(v >> 6) & 63];
  *p++ = '=';
}

std::string Key::ToBase64() const {
  std::string out;
  out.reserve(kKeyBase64Length);
  AppendBase64(out);
  return out;
}

std::optional<Key> Key::FromBase64(std::string_view text) {
  if (text.size() != kKeyBase64Length || text[43] != '=') return std::nullopt;
  Key key;
  std::size_t out = 0;
  for (std::size_t i = 0; i < 40; i += 4) {
    int v[4];
    for (int j = 0; j < 4; ++j) {
      v[j] = Base64Value(text[i + j]);
      if (v[j] < 0) return std::nullopt;
    }
    const std::uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    key.bytes[out++] = static_cast<std::uint8_t>(w >> 16);
    key.bytes[out++] = static_cast<std::uint8_t>(w >> 8);
    key.bytes[out++] = static_cast<std::uint8_t>(w);
  }
  int v[3];
  for (int j = 0; j < 3; ++j) {
    v[j] = Base64Value(text[40 + j]);
    if (v[j] < 0) return std::nullopt;
  }
  // The last character carries 4 meaningful bits; the low 2 must be zero
  // (canonical encoding), exactly as wg(8) insists.
  if ((v[2] & 3) != 0) return std::nullopt;
  const std::uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6);
  key.bytes[out++] = static_cast<std::uint8_t>(w >> 16);
  key.bytes[out++] = static_cast<std::uint8_t>(w >> 8);
  return key;
}

std::optional<Key> Key::FromHex(std::string_view text) {
  if (text.size() != 2 * kKeyLength) return std::nullopt;
  Key key;
  for (std::size_t i = 0; i < kKeyLength; ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key.bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return key;
}

std::size_t KeyHash::operator()(const Key& key) const noexcept {
  // Keys are uniformly random; their first bytes are already a good hash.
  std::size_t h;
  std::memcpy(&h, key.bytes.data(), sizeof h);
  return h;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else {
        if (pad > 0) return std::nullopt;
        v[j] = Base64Value(c);
        if (v[j] < 0) return std::nullopt;
      }
    }
    const unsigned w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(w >> 16));
    if (pad < 2) out.push_back(static_cast<char>(w >> 8));
    if (pad < 1) out.push_back(static_cast<char>(w));
  }
  return out;
}

void SecureWipe(void* data, std::size_t size) {
  if (data != nullptr && size > 0) OPENSSL_cleanse(data, size);
}

std::optional<Key> PublicKeyFromPrivate(const Key& private_key) {
  if (private_key.IsZero()) return std::nullopt;
  // X25519 clamps the scalar itself, as WireGuard does.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.bytes.data(), kKeyLength),
      &EVP_PKEY_free);
  if (!pkey) return std::nullopt;
  Key public_key;
  std::size_t len = kKeyLength;
  if (EVP_PKEY_get_raw_public_key(pkey.get(), public_key.bytes.data(), &len) != 1 ||
      len != kKeyLength) {
    return std::nullopt;
  }
  return public_key;
}

}  // namespace wgx
