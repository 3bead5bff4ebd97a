#include "exporter/config/wg_quick.h"

#include <optional>

#include "exporter/config/friendly_json.h"

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

// What one comment line says about a peer.
struct CommentMeaning {
  std::optional<std::string_view> name;
  bool ends_block = false;               // PiVPN's "### end NAME ###": the block's name is spent
  std::optional<std::string_view> json;  // the friendly_json object's text
  std::size_t json_column = 0;           // 0-based, in the trimmed line
};

bool IsNameKey(std::string_view key) {
  return EqualsIgnoreCase(key, "friendly_name") || EqualsIgnoreCase(key, "name") ||
         EqualsIgnoreCase(key, "display-name") || EqualsIgnoreCase(key, "display_name");
}

// `comment` is a trimmed line starting with '#' (or ';' in a .netdev file).
CommentMeaning MeaningOf(std::string_view comment) {
  CommentMeaning meaning;
  // PiVPN: "### begin NAME ###" ... "### end NAME ###".
  if (comment.starts_with("### end ") && comment.ends_with("###")) {
    meaning.ends_block = true;
    return meaning;
  }
  if (comment.starts_with("### begin ") && comment.ends_with("###") && comment.size() > 13) {
    const std::string_view name = Trim(comment.substr(10, comment.size() - 13));
    if (!name.empty()) meaning.name = name;
    return meaning;
  }
  std::string_view body = comment.substr(1);
  const std::size_t equals = body.find('=');
  const std::size_t colon = body.find(':');
  if (equals != std::string_view::npos && (colon == std::string_view::npos || equals < colon)) {
    std::string_view key = Trim(body.substr(0, equals));
    // WGDashboard: "#Name# = X".
    if (!key.empty() && key.back() == '#') key = Trim(key.substr(0, key.size() - 1));
    const std::string_view value = Trim(body.substr(equals + 1));
    if (value.empty()) return meaning;
    if (EqualsIgnoreCase(key, "friendly_json")) {
      meaning.json = value;
      meaning.json_column = static_cast<std::size_t>(value.data() - comment.data());
    } else if (IsNameKey(key)) {
      meaning.name = value;
    }
    return meaning;
  }
  // wg-easy: "# Client: NAME (ID)".
  if (colon != std::string_view::npos && EqualsIgnoreCase(Trim(body.substr(0, colon)), "client")) {
    std::string_view value = Trim(body.substr(colon + 1));
    if (value.ends_with(')')) {
      const std::size_t open = value.rfind(" (");
      if (open != std::string_view::npos) value = Trim(value.substr(0, open));
    }
    if (!value.empty()) meaning.name = value;
  }
  return meaning;
}

std::string WithoutWhitespace(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\t') out.push_back(c);
  }
  return out;
}

enum class Section { kNone, kInterface, kPeer };

// The name and labels a run of comment lines gives.
struct CommentRun {
  std::optional<std::string_view> name;
  std::optional<LabelPairs> labels;
  bool empty() const { return !name && !labels; }
};

struct PeerSection {
  int header_line = 0;
  std::optional<Key> public_key;
  int public_key_line = 0;
  CommentRun leading;  // from comments above the section's header
  CommentRun inside;   // from comments inside the section
};

class Parser {
 public:
  explicit Parser(PeerFileFormat format) : format_(format) {}

  std::variant<PeerDetails, WgQuickParseError> Run(std::string_view text) {
    // A UTF-8 byte order mark, as some Windows editors write, is not content.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    int line_number = 0;
    for (std::size_t start = 0; start <= text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      if (!HandleLine(text.substr(start, end - start), ++line_number)) {
        return std::move(*error_);
      }
      start = end + 1;
    }
    // Comments after the last key line of the file belong to its last section.
    CommitRunToSection();
    if (!FinishSection()) return std::move(*error_);
    return std::move(peers_);
  }

 private:
  bool Fail(int line, std::string message, int column = 0) {
    error_ = WgQuickParseError{line, column, std::move(message)};
    return false;
  }

  bool HandleComment(std::string_view line, std::size_t indent, int line_number) {
    const CommentMeaning meaning = MeaningOf(line);
    // A block whose peer is all comments (PiVPN's disabled peers) names
    // nobody after it.
    if (meaning.ends_block) run_.name.reset();
    if (meaning.name) run_.name = meaning.name;
    if (meaning.json) {
      auto parsed = ParseFriendlyJson(*meaning.json);
      if (auto* error = std::get_if<FriendlyJsonError>(&parsed)) {
        return Fail(line_number, "friendly_json: " + error->message,
                    static_cast<int>(indent + meaning.json_column + error->offset + 1));
      }
      run_.labels = std::get<LabelPairs>(std::move(parsed));
    }
    return true;
  }

  bool HandleLine(std::string_view raw, int line_number) {
    const std::string_view line = Trim(raw);
    if (line.empty()) return true;
    const std::size_t indent = static_cast<std::size_t>(line.data() - raw.data());
    if (line.front() == '#' || (format_ == PeerFileFormat::kNetdev && line.front() == ';')) {
      return HandleComment(line, indent, line_number);
    }
    // As wg-quick does, everything from '#' on is a comment; systemd knows
    // comment lines only.
    const std::string_view setting =
        format_ == PeerFileFormat::kWgQuick ? Trim(line.substr(0, line.find('#'))) : line;
    return HandleSetting(setting, line_number);
  }

  bool HandleSetting(std::string_view line, int line_number) {
    if (line.front() == '[') return HandleHeader(line, line_number);

    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || Trim(line.substr(0, equals)).empty()) {
      return Fail(line_number, "expected \"Key = Value\", a [Section] header or a # comment");
    }
    if (section_ == Section::kNone) {
      return Fail(line_number, format_ == PeerFileFormat::kWgQuick
                                   ? "setting outside any section; the file must start with "
                                     "[Interface]"
                                   : "setting outside any section");
    }
    CommitRunToSection();
    if (section_ != Section::kPeer) return true;
    if (!EqualsIgnoreCase(Trim(line.substr(0, equals)), "PublicKey")) return true;
    if (peer_.public_key) {
      return Fail(line_number, std::string("second PublicKey in the ") + PeerHeader() +
                                   " section that starts on line " +
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
    const bool netdev = format_ == PeerFileFormat::kNetdev;
    if (netdev ? EqualsIgnoreCase(header, "[WireGuardPeer]") : EqualsIgnoreCase(header, "[Peer]")) {
      section_ = Section::kPeer;
      peer_ = PeerSection{};
      peer_.header_line = line_number;
      peer_.leading = run_;
    } else if (netdev ? header.size() > 2 && header.back() == ']'
                      : EqualsIgnoreCase(header, "[Interface]")) {
      // systemd-networkd has many other sections ([NetDev], [WireGuard], ...).
      section_ = Section::kInterface;
    } else {
      return Fail(line_number, netdev ? "a section header must look like [Name]"
                                      : "unknown section; expected [Interface] or [Peer]");
    }
    run_ = {};
    return true;
  }

  // A name comment followed by a setting belongs to the section it is in;
  // one followed only by comments and then "[Peer]" describes the next peer.
  void CommitRunToSection() {
    if (section_ == Section::kPeer) {
      if (run_.name) peer_.inside.name = run_.name;
      if (run_.labels) peer_.inside.labels = std::move(run_.labels);
    }
    run_ = {};
  }

  bool FinishSection() {
    if (section_ != Section::kPeer) return true;
    section_ = Section::kNone;
    if (!peer_.public_key) {
      return Fail(peer_.header_line, std::string(PeerHeader()) + " section has no PublicKey");
    }
    const auto [it, inserted] = public_key_lines_.emplace(*peer_.public_key, peer_.header_line);
    if (!inserted) {
      return Fail(peer_.public_key_line, std::string("PublicKey already used by the ") +
                                             PeerHeader() + " section on line " +
                                             std::to_string(it->second));
    }
    const std::optional<std::string_view>& name =
        peer_.inside.name ? peer_.inside.name : peer_.leading.name;
    std::optional<LabelPairs>& labels =
        peer_.inside.labels ? peer_.inside.labels : peer_.leading.labels;
    if (name || labels) {
      PeerComments& comments = peers_[*peer_.public_key];
      if (name) comments.name = std::string(*name);
      if (labels) comments.labels = std::move(*labels);
    }
    return true;
  }

  const char* PeerHeader() const {
    return format_ == PeerFileFormat::kNetdev ? "[WireGuardPeer]" : "[Peer]";
  }

  PeerFileFormat format_;
  Section section_ = Section::kNone;
  PeerSection peer_;
  CommentRun run_;  // what the current run of comment lines says
  std::unordered_map<Key, int, KeyHash> public_key_lines_;
  PeerDetails peers_;
  std::optional<WgQuickParseError> error_;
};

}  // namespace

std::variant<PeerDetails, WgQuickParseError> ParsePeerComments(std::string_view text,
                                                               PeerFileFormat format) {
  return Parser(format).Run(text);
}

std::variant<PeerNames, WgQuickParseError> ParseWgQuickPeerNames(std::string_view text) {
  auto parsed = ParsePeerComments(text, PeerFileFormat::kWgQuick);
  if (auto* error = std::get_if<WgQuickParseError>(&parsed)) return std::move(*error);
  PeerNames names;
  for (auto& [key, comments] : std::get<PeerDetails>(parsed)) {
    if (comments.name) names.emplace(key, std::move(*comments.name));
  }
  return names;
}

}  // namespace wgx
