#include "exporter/http/negotiate.h"

#include <charconv>
#include <optional>
#include <string>

namespace wgx {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

// RFC 9110 qvalue: 0 to 1 with at most three decimals. Anything else makes
// the media range unusable.
std::optional<double> ParseQuality(std::string_view text) {
  double q = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q);
  if (ec != std::errc() || end != text.data() + text.size() || q < 0 || q > 1) return std::nullopt;
  return q;
}

struct Candidate {
  ExpositionFormat format;
  double q;
  int specificity;  // 2 type/subtype, 1 type/*, 0 */*
};

// What one media range of the header offers, if it names a served format.
std::optional<Candidate> Offer(std::string_view range) {
  const std::size_t semi = range.find(';');
  const std::string_view media = Trim(range.substr(0, semi));
  const std::size_t slash = media.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view type = Trim(media.substr(0, slash));
  const std::string_view subtype = Trim(media.substr(slash + 1));
  std::optional<std::string_view> version;
  double q = 1;
  std::string_view params =
      semi == std::string_view::npos ? std::string_view() : range.substr(semi);
  while (!params.empty()) {
    params.remove_prefix(1);  // the ';'
    const std::size_t next = params.find(';');
    const std::string_view param = Trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view() : params.substr(next);
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = Trim(param.substr(0, eq));
    const std::string_view value = Unquote(Trim(param.substr(eq + 1)));
    if (EqualsIgnoringCase(name, "q")) {
      const auto parsed = ParseQuality(value);
      if (!parsed) return std::nullopt;
      q = *parsed;
    } else if (EqualsIgnoringCase(name, "version")) {
      version = value;
    }
  }
  if (q <= 0) return std::nullopt;
  if (type == "*" && subtype == "*") return Candidate{ExpositionFormat::kText, q, 0};
  if (EqualsIgnoringCase(type, "text") && subtype == "*") {
    return Candidate{ExpositionFormat::kText, q, 1};
  }
  if (EqualsIgnoringCase(type, "text") && EqualsIgnoringCase(subtype, "plain")) {
    if (version && *version != "0.0.4") return std::nullopt;
    return Candidate{ExpositionFormat::kText, q, 2};
  }
  if (EqualsIgnoringCase(type, "application") && EqualsIgnoringCase(subtype, "openmetrics-text")) {
    // Without a version, OpenMetrics means its first draft, 0.0.1, which is
    // not served (expfmt reads it the same way).
    if (version && *version == "1.0.0") return Candidate{ExpositionFormat::kOpenMetrics, q, 2};
  }
  return std::nullopt;
}

}  // namespace

ExpositionFormat NegotiateFormat(const char* accept) {
  if (accept == nullptr) return ExpositionFormat::kText;
  std::optional<Candidate> best;
  std::string_view rest(accept);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view range = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto offer = Offer(range);
    if (!offer) continue;
    // Strictly better only: on a tie the earlier range stands.
    if (!best || offer->q > best->q ||
        (offer->q == best->q && offer->specificity > best->specificity)) {
      best = offer;
    }
  }
  return best ? best->format : ExpositionFormat::kText;
}

const char* ContentType(ExpositionFormat format) {
  return format == ExpositionFormat::kOpenMetrics ? kOpenMetricsContentType : kTextContentType;
}

}  // namespace wgx
