#include "exporter/http/landing_page.h"

#include <ctime>
#include <string_view>

namespace wgx {
namespace {

void AppendHtml(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      default:
        out.push_back(c);
    }
  }
}

std::string NamespaceName(const std::string& netns) { return netns.empty() ? "(own)" : netns; }

std::string Utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return {text, n};
}

void AppendCell(std::string& out, std::string_view text, std::string_view css_class = {}) {
  out.append(css_class.empty() ? "<td>" : "<td class=\"");
  if (!css_class.empty()) {
    out.append(css_class);
    out.append("\">");
  }
  AppendHtml(out, text);
  out.append("</td>");
}

void AppendInterfaces(std::string& out, const ScrapeSummary& summary) {
  out.append("<h2>Interfaces</h2>\n");
  if (summary.interfaces.empty()) {
    out.append(
        "<p id=\"no-interfaces\">No WireGuard interface is selected: none was found, "
        "and the configuration lists none.</p>\n");
    return;
  }
  out.append(
      "<table id=\"interfaces\">\n<thead><tr><th>Namespace</th><th>Interface</th><th>State</th>"
      "<th>Implementation</th><th>Listen port</th><th>Peers</th><th>Peers online</th>"
      "<th>Listed in the configuration</th></tr></thead>\n<tbody>\n");
  for (const InterfaceSummary& item : summary.interfaces) {
    out.append("<tr>");
    AppendCell(out, NamespaceName(item.netns));
    AppendCell(out, item.name);
    if (item.up) {
      AppendCell(out, "up", "up");
      AppendCell(out, item.implementation);
      AppendCell(out, std::to_string(item.listen_port));
      AppendCell(out, std::to_string(item.peers));
      AppendCell(out, std::to_string(item.peers_online));
    } else {
      AppendCell(out, "down: " + item.error, "down");
      for (int i = 0; i < 4; ++i) AppendCell(out, "");
    }
    AppendCell(out, item.listed ? "yes" : "no (discovered)");
    out.append("</tr>\n");
  }
  out.append("</tbody>\n</table>\n");
}

void AppendNamespaces(std::string& out, const ScrapeSummary& summary) {
  out.append(
      "<h2>Network namespaces</h2>\n<table id=\"namespaces\">\n<thead><tr><th>Namespace</th>"
      "<th>State</th><th>Interfaces exported</th></tr></thead>\n<tbody>\n");
  for (const NamespaceSummary& ns : summary.namespaces) {
    out.append("<tr>");
    AppendCell(out, NamespaceName(ns.name));
    if (ns.up) {
      AppendCell(out, "up", "up");
    } else {
      AppendCell(out, "down: " + ns.error, "down");
    }
    AppendCell(out, std::to_string(ns.interfaces));
    out.append("</tr>\n");
  }
  out.append("</tbody>\n</table>\n");
}

}  // namespace

std::string RenderLandingPage(const LandingPageInfo& info, const ScrapeSummary* summary) {
  std::string out;
  out.reserve(4096);
  out.append(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>WireGuard Exporter</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "th,td{border:1px solid #999;padding:.25em .6em;text-align:left}"
      ".up{color:#1a7f37}.down{color:#cf222e}\n"
      "</style>\n</head>\n<body>\n<h1>WireGuard Exporter</h1>\n<p id=\"build\">Version ");
  AppendHtml(out, info.version);
  out.append(", revision ");
  AppendHtml(out, info.revision);
  out.append(".</p>\n<ul>\n<li><a href=\"");
  AppendHtml(out, info.telemetry_path);
  out.append(
      "\">Metrics</a></li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
      "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n<h2>Configuration</h2>\n"
      "<p id=\"config\">");
  if (info.config_file.empty()) {
    out.append("Built-in defaults (no --config.file): every WireGuard interface found.");
  } else {
    out.append("Configuration file: <code>");
    AppendHtml(out, info.config_file);
    out.append("</code>");
  }
  out.append("</p>\n");
  if (summary == nullptr) {
    out.append(
        "<p id=\"not-read\">The interfaces were not read for this page: too many "
        "scrapes are running. Reload the page in a moment.</p>\n");
  } else {
    if (!summary->reload.last_reload_successful) {
      out.append(
          "<p id=\"reload-error\" class=\"down\">The last reload failed; the previous "
          "configuration keeps serving: ");
      AppendHtml(out, summary->reload.last_error);
      out.append("</p>\n");
    }
    AppendInterfaces(out, *summary);
    AppendNamespaces(out, *summary);
    out.append("<p id=\"read-at\">Read at ");
    out.append(Utc(summary->read_at));
    out.append(".</p>\n");
  }
  out.append("</body>\n</html>\n");
  return out;
}

}  // namespace wgx
