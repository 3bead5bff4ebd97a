#include "exporter/metrics/format.h"

namespace wgx {
namespace {

std::string_view TypeName(FamilyType type, ExpositionFormat format) {
  const bool open_metrics = format == ExpositionFormat::kOpenMetrics;
  switch (type) {
    case FamilyType::kGauge:
      return "gauge";
    case FamilyType::kCounter:
      return "counter";
    case FamilyType::kInfo:
      return open_metrics ? "info" : "gauge";
    case FamilyType::kUnknown:
      break;
  }
  return open_metrics ? "unknown" : "untyped";
}

// HELP text escaping: backslash and line feed in both formats, and the
// double quote in OpenMetrics, whose HELP is an escaped string like a label
// value.
void AppendHelp(std::string& out, std::string_view help, ExpositionFormat format) {
  const bool escape_quote = format == ExpositionFormat::kOpenMetrics;
  std::size_t clean_from = 0;
  for (std::size_t i = 0; i < help.size(); ++i) {
    const char c = help[i];
    if (c != '\\' && c != '\n' && !(escape_quote && c == '"')) continue;
    out.append(help.data() + clean_from, i - clean_from);
    out.push_back('\\');
    out.push_back(c == '\n' ? 'n' : c);
    clean_from = i + 1;
  }
  out.append(help.data() + clean_from, help.size() - clean_from);
}

std::string_view WithoutSuffix(std::string_view name, std::string_view suffix) {
  if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
    name.remove_suffix(suffix.size());
  }
  return name;
}

}  // namespace

std::string_view MetadataName(const Family& family, ExpositionFormat format) {
  if (format != ExpositionFormat::kOpenMetrics) return family.name;
  if (family.type == FamilyType::kCounter) return WithoutSuffix(family.name, "_total");
  if (family.type == FamilyType::kInfo) return WithoutSuffix(family.name, "_info");
  return family.name;
}

void AppendFamilyHeader(std::string& out, const Family& family, ExpositionFormat format) {
  const std::string_view name = MetadataName(family, format);
  const auto append_line = [&out, name](std::string_view keyword) {
    out.append("# ");
    out.append(keyword);
    out.push_back(' ');
    out.append(name);
    out.push_back(' ');
  };
  if (format != ExpositionFormat::kOpenMetrics) {
    append_line("HELP");
    AppendHelp(out, family.help, format);
    out.push_back('\n');
    append_line("TYPE");
    out.append(TypeName(family.type, format));
    out.push_back('\n');
    return;
  }
  // In the order the OpenMetrics specification asks for: TYPE, UNIT, HELP.
  append_line("TYPE");
  out.append(TypeName(family.type, format));
  out.push_back('\n');
  // An info family may carry no unit; an info's name never holds one anyway.
  if (!family.unit.empty() && family.type != FamilyType::kInfo) {
    append_line("UNIT");
    out.append(family.unit);
    out.push_back('\n');
  }
  append_line("HELP");
  AppendHelp(out, family.help, format);
  out.push_back('\n');
}

void AppendExpositionEnd(std::string& out, ExpositionFormat format) {
  if (format == ExpositionFormat::kOpenMetrics) out.append("# EOF\n");
}

}  // namespace wgx
