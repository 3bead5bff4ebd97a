#include "exporter/config/wg_quick.h"

#include <optional>

namespace wgx {
namespace {

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// "# friendly_name = X" or "# Name = X" -> "X"; anything else -> nullopt.
std::optional<std::string_view> NameFromComment(std::string_view comment) {
  comment.remove_prefix(1);  // the '#'
  const std::size_t equals = comment.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const std::string_view key = Trim(comment.substr(0, equals));
  if (!EqualsIgnoreCase(key, "friendly_name") && !EqualsIgnoreCase(key, "name")) {
    return std::nullopt;
  }
  const std::string_view value = Trim(comment.substr(equals + 1));
  if (value.empty()) return std::nullopt;
  return value;
}

std::string WithoutWhitespace(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\t') out.push_back(c);
  }
  return out;
}

enum class Section { kNone, kInterface, kPeer };

struct PeerSection {
  int header_line = 0;
  std::optional<Key> public_key;
  int public_key_line = 0;
  std::optional<std::string_view> leading_name;  // from comments above "[Peer]"
  std::optional<std::string_view> inside_name;   // from comments inside the section
};

class Parser {
 public:
  std::variant<PeerNames, WgQuickParseError> Run(std::string_view text) {
    // A UTF-8 byte order mark, as some Windows editors write, is not content.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    int line_number = 0;
    for (std::size_t start = 0; start <= text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      if (!HandleLine(Trim(text.substr(start, end - start)), ++line_number)) {
        return std::move(*error_);
      }
      start = end + 1;
    }
    // Comments after the last key line of the file belong to its last section.
    CommitRunToSection();
    if (!FinishSection()) return std::move(*error_);
    return std::move(names_);
  }

 private:
  bool Fail(int line, std::string message) {
    error_ = WgQuickParseError{line, std::move(message)};
    return false;
  }

  bool HandleLine(std::string_view line, int line_number) {
    if (line.empty()) return true;
    if (line.front() == '#') {
      if (auto name = NameFromComment(line)) run_name_ = name;
      return true;
    }
    // As wg-quick does, everything from '#' on is a comment.
    line = Trim(line.substr(0, line.find('#')));
    if (line.front() == '[') return HandleHeader(line, line_number);

    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || Trim(line.substr(0, equals)).empty()) {
      return Fail(line_number, "expected \"Key = Value\", a [Section] header or a # comment");
    }
    if (section_ == Section::kNone) {
      return Fail(line_number, "setting outside any section; the file must start with [Interface]");
    }
    CommitRunToSection();
    if (section_ != Section::kPeer) return true;
    if (!EqualsIgnoreCase(Trim(line.substr(0, equals)), "PublicKey")) return true;
    if (peer_.public_key) {
      return Fail(line_number, "second PublicKey in the [Peer] section that starts on line " +
                                   std::to_string(peer_.header_line));
    }
    const std::optional<Key> key = Key::FromBase64(Trim(line.substr(equals + 1)));
    if (!key) {
      return Fail(line_number,
                  "PublicKey is not a WireGuard key (44 characters of canonical base64)");
    }
    peer_.public_key = *key;
    peer_.public_key_line = line_number;
    return true;
  }

  bool HandleHeader(std::string_view line, int line_number) {
    if (!FinishSection()) return false;
    const std::string header = WithoutWhitespace(line);
    if (EqualsIgnoreCase(header, "[Interface]")) {
      section_ = Section::kInterface;
    } else if (EqualsIgnoreCase(header, "[Peer]")) {
      section_ = Section::kPeer;
      peer_ = PeerSection{};
      peer_.header_line = line_number;
      peer_.leading_name = run_name_;
    } else {
      return Fail(line_number, "unknown section; expected [Interface] or [Peer]");
    }
    run_name_.reset();
    return true;
  }

  // A name comment followed by a setting belongs to the section it is in;
  // one followed only by comments and then "[Peer]" describes the next peer.
  void CommitRunToSection() {
    if (section_ == Section::kPeer && run_name_) peer_.inside_name = run_name_;
    run_name_.reset();
  }

  bool FinishSection() {
    if (section_ != Section::kPeer) return true;
    section_ = Section::kNone;
    if (!peer_.public_key) {
      return Fail(peer_.header_line, "[Peer] section has no PublicKey");
    }
    const auto [it, inserted] = public_key_lines_.emplace(*peer_.public_key, peer_.header_line);
    if (!inserted) {
      return Fail(peer_.public_key_line, "PublicKey already used by the [Peer] section on line " +
                                             std::to_string(it->second));
    }
    const std::optional<std::string_view>& name =
        peer_.inside_name ? peer_.inside_name : peer_.leading_name;
    if (name) names_.emplace(*peer_.public_key, std::string(*name));
    return true;
  }

  Section section_ = Section::kNone;
  PeerSection peer_;
  std::optional<std::string_view> run_name_;  // last name in the current comment run
  std::unordered_map<Key, int, KeyHash> public_key_lines_;
  PeerNames names_;
  std::optional<WgQuickParseError> error_;
};

}  // namespace

std::variant<PeerNames, WgQuickParseError> ParseWgQuickPeerNames(std::string_view text) {
  return Parser{}.Run(text);
}

}  // namespace wgx
