// What differs between the exposition formats the exporter writes: the
// family metadata lines and how an exposition ends. The samples themselves
// are written alike in both.
#pragma once

#include <string>
#include <string_view>

#include "exporter/metrics/families.h"

namespace wgx {

enum class ExpositionFormat {
  kText,         // Prometheus text format 0.0.4
  kOpenMetrics,  // OpenMetrics text 1.0.0
};

// The family's name in metadata lines: the sample name in the text format;
// in OpenMetrics without the _total of a counter or the _info of an info.
std::string_view MetadataName(const Family& family, ExpositionFormat format);

// The family's `# HELP` and `# TYPE` lines; in OpenMetrics `# TYPE`, `# UNIT`
// (when the family has a unit) and `# HELP`, the order its specification
// asks for.
void AppendFamilyHeader(std::string& out, const Family& family, ExpositionFormat format);

// What ends an exposition: `# EOF` in OpenMetrics, nothing in the text format.
void AppendExpositionEnd(std::string& out, ExpositionFormat format);

}  // namespace wgx
