#include "exporter/config/friendly_json.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "exporter/config/name_checks.h"

namespace wgx {
namespace {

class JsonObjectParser {
 public:
  explicit JsonObjectParser(std::string_view text) : text_(text) {}

  std::variant<LabelPairs, FriendlyJsonError> Run() {
    LabelPairs labels;
    SkipSpace();
    if (!Take('{')) return Fail("expected a JSON object starting with {");
    SkipSpace();
    if (Take('}')) return Finish(std::move(labels));
    for (;;) {
      SkipSpace();
      const std::size_t name_at = pos_;
      std::optional<std::string> name = String();
      if (!name) return error_ ? *error_ : Fail("expected a member name in double quotes");
      if (auto problem = LabelNameProblem(*name)) {
        pos_ = name_at;
        return Fail("label " + Quoted(*name) + " " + *problem);
      }
      if (std::any_of(labels.begin(), labels.end(),
                      [&](const auto& label) { return label.first == *name; })) {
        pos_ = name_at;
        return Fail("duplicate label " + Quoted(*name));
      }
      SkipSpace();
      if (!Take(':')) return Fail("expected : after the member name");
      SkipSpace();
      std::optional<std::string> value = Value(*name);
      if (!value) return *error_;
      labels.emplace_back(std::move(*name), std::move(*value));
      SkipSpace();
      if (Take('}')) return Finish(std::move(labels));
      if (!Take(',')) return Fail("expected , or } after a member");
    }
  }

 private:
  std::variant<LabelPairs, FriendlyJsonError> Finish(LabelPairs labels) {
    SkipSpace();
    if (pos_ != text_.size()) return Fail("unexpected text after the object");
    std::sort(labels.begin(), labels.end());
    return labels;
  }

  FriendlyJsonError Fail(std::string message) {
    error_ = FriendlyJsonError{pos_, std::move(message)};
    return *error_;
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  static void AppendUtf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xe0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    }
  }

  // A JSON string; nullopt (and error_ set when it started as one) otherwise.
  std::optional<std::string> String() {
    const std::size_t start = pos_;
    if (!Take('"')) return std::nullopt;
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        Fail("control character in a string");
        return std::nullopt;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char escaped = text_[pos_++];
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          out.push_back(escaped);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          std::uint32_t code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = pos_ < text_.size() ? text_[pos_] : '\0';
            const int digit = h >= '0' && h <= '9'   ? h - '0'
                              : h >= 'a' && h <= 'f' ? h - 'a' + 10
                              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                     : -1;
            if (digit < 0) {
              Fail("\\u needs four hex digits");
              return std::nullopt;
            }
            code = code * 16 + static_cast<std::uint32_t>(digit);
            ++pos_;
          }
          AppendUtf8(out, code);
          break;
        }
        default:
          pos_ -= 2;
          Fail("unknown escape in a string");
          return std::nullopt;
      }
    }
    pos_ = start;
    Fail("the string has no closing double quote");
    return std::nullopt;
  }

  std::optional<std::string> Value(const std::string& name) {
    if (pos_ < text_.size() && text_[pos_] == '"') return String();
    if (text_.substr(pos_, 4) == "true") {
      pos_ += 4;
      return "true";
    }
    if (text_.substr(pos_, 5) == "false") {
      pos_ += 5;
      return "false";
    }
    const std::size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() &&
           ((text_[pos_] >= '0' && text_[pos_] <= '9') || text_[pos_] == '.' ||
            text_[pos_] == 'e' || text_[pos_] == 'E' || text_[pos_] == '+' || text_[pos_] == '-')) {
      ++pos_;
    }
    if (pos_ > start && text_[pos_ - 1] >= '0' && text_[pos_ - 1] <= '9') {
      return std::string(text_.substr(start, pos_ - start));
    }
    pos_ = start;
    Fail("label " + Quoted(name) +
         ": the value must be a string, a number, true or false (no null, array or object)");
    return std::nullopt;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<FriendlyJsonError> error_;
};

}  // namespace

std::variant<LabelPairs, FriendlyJsonError> ParseFriendlyJson(std::string_view text) {
  return JsonObjectParser(text).Run();
}

}  // namespace wgx
