// Which exposition format a scrape gets, from its Accept header, the way
// client_golang's expfmt.NegotiateIncludingOpenMetrics picks (prometheus/
// common expfmt/encode.go), but for the two formats served here, and with
// the classic text format for wildcards: curl (*/*) and browsers
// (text/html,...,*/*;q=0.8) get text they can show.
#pragma once

#include <string_view>

#include "exporter/metrics/format.h"

namespace wgx {

inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr char kOpenMetricsContentType[] =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// The media range of highest preference (q, then specificity, then order)
// that names a served format decides:
//   application/openmetrics-text;version=1.0.0   OpenMetrics 1.0.0
//   text/plain (no version, or version=0.0.4)    text
//   */*, text/*                                   text
// Anything else (other versions, protobuf, q=0) is passed over; with no
// Accept header or nothing served in it, text.
ExpositionFormat NegotiateFormat(const char* accept);

const char* ContentType(ExpositionFormat format);

}  // namespace wgx
