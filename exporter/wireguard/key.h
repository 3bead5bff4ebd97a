// WireGuard keys: 32 raw bytes, shown as base64 (wg, configs) or hex (UAPI).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace wgx {

inline constexpr std::size_t kKeyLength = 32;
inline constexpr std::size_t kKeyBase64Length = 44;

struct Key {
  std::array<std::uint8_t, kKeyLength> bytes{};

  friend bool operator==(const Key&, const Key&) = default;
  friend auto operator<=>(const Key&, const Key&) = default;

  bool IsZero() const;
  std::string ToBase64() const;
  // Appends the 44 base64 characters without allocating a temporary.
  void AppendBase64(std::string& out) const;

  // Both accept exactly one 32-byte key and nothing else (no whitespace).
  static std::optional<Key> FromBase64(std::string_view text);
  static std::optional<Key> FromHex(std::string_view text);
};

struct KeyHash {
  std::size_t operator()(const Key& key) const noexcept;
};

// Decodes standard base64 of any length (with padding); nullopt when malformed.
std::optional<std::string> DecodeBase64(std::string_view text);

// Overwrites memory in a way the compiler may not optimise away.
void SecureWipe(void* data, std::size_t size);
inline void SecureWipe(std::string& s) { SecureWipe(s.data(), s.size()); }

// X25519 public key for a WireGuard private key (clamped as the protocol does).
std::optional<Key> PublicKeyFromPrivate(const Key& private_key);

// A private key that wipes itself when it goes out of scope.
class PrivateKey {
 public:
  PrivateKey() = default;
  explicit PrivateKey(const Key& key) : key_(key), present_(true) {}
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey() { SecureWipe(key_.bytes.data(), key_.bytes.size()); }

  bool present() const { return present_; }
  const Key& key() const { return key_; }

 private:
  Key key_{};
  bool present_ = false;
};

}  // namespace wgx
