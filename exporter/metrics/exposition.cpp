#include "exporter/metrics/exposition.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "exporter/metrics/address_text.h"
#include "exporter/metrics/families.h"
#include "exporter/metrics/format.h"
#include "exporter/metrics/handshake.h"
#include "exporter/metrics/process_stats.h"
#include "exporter/metrics/text.h"

namespace wgx {
namespace {

// Label names the exporter writes itself. The config loader rejects them as
// configured labels; skipping them here as well keeps the output valid (no
// duplicate label) whatever Config the renderer is given.
bool IsReservedLabel(std::string_view name) {
  return std::find(kExporterLabelNames.begin(), kExporterLabelNames.end(), name) !=
         kExporterLabelNames.end();
}

// Appends `a` merged with `b` (both sorted by name), `b` winning on equal
// names, each as `,name="value"`.
void AppendMergedLabels(std::string& out, const Labels& a, const Labels& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() || j != b.end()) {
    const std::pair<std::string, std::string>* pick;
    if (j == b.end() || (i != a.end() && i->first < j->first)) {
      pick = &*i++;
    } else {
      if (i != a.end() && i->first == j->first) ++i;
      pick = &*j++;
    }
    if (!IsReservedLabel(pick->first)) AppendLabel(out, pick->first, pick->second);
  }
}

// ---------------------------------------------------------------------------
// Output with optional streaming: with a sink, the buffer is handed over and
// emptied whenever it grows past `flush_at`.

class Output {
 public:
  Output(std::string& buffer, std::size_t flush_at, const ExpositionSink* sink,
         ExpositionFormat format)
      : buffer_(buffer), flush_at_(flush_at), sink_(sink), format_(format) {}

  std::string& text() { return buffer_; }
  ExpositionFormat format() const { return format_; }
  bool stopped() const { return stopped_; }

  void MaybeFlush() {
    if (buffer_.size() >= flush_at_) Flush();
  }

  void Flush() {
    if (sink_ == nullptr || buffer_.empty()) return;
    if (!stopped_ && !(*sink_)(buffer_)) stopped_ = true;
    buffer_.clear();
  }

 private:
  std::string& buffer_;
  const std::size_t flush_at_;
  const ExpositionSink* sink_;
  const ExpositionFormat format_;
  bool stopped_ = false;
};

// ---------------------------------------------------------------------------
// What the renderer works from: interfaces in name order, and every peer's
// label text rendered once into one arena and reused by every peer family.

struct InterfaceView {
  const InterfaceReading* reading = nullptr;
  const InterfaceConfig* config = nullptr;  // nullptr for a discovered interface
  std::int64_t threshold_ns = 0;
  std::string labels;                         // `interface="wg0",site="fra1"`
  std::size_t base_labels_end = 0;            // where `,site="fra1"` starts in `labels`
  const PeerConfigs* peer_configs = nullptr;  // configured peers, or nullptr
  std::size_t first_peer = 0;                 // index of its first peer in PeerLabelArena
  std::uint64_t peers_online = 0;

  const Device* device() const {
    return reading->result.device ? &*reading->result.device : nullptr;
  }
  bool IsOnline(const Peer& peer, std::int64_t now_ns) const {
    return PeerIsOnline(peer, now_ns, threshold_ns);
  }
};

struct PeerLabelArena {
  std::string text;
  std::vector<std::size_t> ends;  // label text of peer i is [ends[i-1], ends[i])

  std::string_view Of(std::size_t index) const {
    const std::size_t begin = index == 0 ? 0 : ends[index - 1];
    return std::string_view(text).substr(begin, ends[index] - begin);
  }
};

std::vector<InterfaceView> BuildInterfaceViews(const Config& config,
                                               const std::vector<InterfaceReading>& readings,
                                               std::int64_t now_ns) {
  std::vector<InterfaceView> views(readings.size());
  for (std::size_t i = 0; i < readings.size(); ++i) views[i].reading = &readings[i];
  std::sort(views.begin(), views.end(), [](const InterfaceView& a, const InterfaceView& b) {
    const InterfaceRef& x = a.reading->interface;
    const InterfaceRef& y = b.reading->interface;
    return x.netns != y.netns ? x.netns < y.netns : x.name < y.name;
  });
  std::size_t peer_index = 0;
  for (InterfaceView& view : views) {
    const InterfaceRef& ref = view.reading->interface;
    view.config = config.Find(ref.netns, ref.name);
    const auto threshold =
        view.config ? view.config->online_threshold : config.default_online_threshold;
    view.threshold_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(threshold).count();
    // The exporter's own labels of the interface; every series of the
    // interface and of its peers starts with them.
    AppendLabel(view.labels, "interface", ref.name, /*first=*/true);
    if (!ref.netns.empty()) AppendLabel(view.labels, "netns", ref.netns);
    view.base_labels_end = view.labels.size();
    if (view.config != nullptr) AppendMergedLabels(view.labels, view.config->labels, {});
    view.peer_configs = config.PeersOf(ref.netns, ref.name);
    if (view.peer_configs != nullptr && view.peer_configs->empty()) view.peer_configs = nullptr;
    view.first_peer = peer_index;
    if (const Device* device = view.device()) {
      for (const Peer& peer : device->peers) {
        if (view.IsOnline(peer, now_ns)) ++view.peers_online;
      }
      peer_index += device->peers.size();
    }
  }
  return views;
}

PeerLabelArena BuildPeerLabels(const std::vector<InterfaceView>& views) {
  static const Labels kNoLabels;
  PeerLabelArena arena;
  std::size_t peers = 0;
  std::size_t estimate = 0;
  for (const InterfaceView& view : views) {
    if (const Device* device = view.device()) {
      peers += device->peers.size();
      // labels + `,public_key="<44>",name=""` (66 bytes), with room for a
      // name: growing the arena would copy it and briefly hold it twice. Room
      // that goes unused is never touched, so it costs address space, not RSS.
      estimate += device->peers.size() * (view.labels.size() + 66 + 48);
    }
  }
  arena.text.reserve(estimate);
  arena.ends.reserve(peers);
  for (const InterfaceView& view : views) {
    const Device* device = view.device();
    if (device == nullptr) continue;
    const Labels& interface_labels = view.config ? view.config->labels : kNoLabels;
    const std::string_view base_labels(view.labels.data(), view.base_labels_end);
    const std::string_view configured_labels =
        std::string_view(view.labels).substr(view.base_labels_end);
    std::string& out = arena.text;
    for (const Peer& peer : device->peers) {
      out.append(base_labels);
      out.append(",public_key=\"");
      peer.public_key.AppendBase64(out);
      const PeerConfig* peer_config = nullptr;
      if (view.peer_configs != nullptr) {
        const auto it = view.peer_configs->find(peer.public_key);
        if (it != view.peer_configs->end()) peer_config = &it->second;
      }
      if (peer_config == nullptr) {
        // The common case on large gateways: nothing configured for the peer,
        // so its labels are the interface's, rendered once per interface.
        out.append("\",name=\"\"");
        out.append(configured_labels);
      } else {
        out.append("\",name=\"");
        AppendEscaped(out, peer_config->name);
        out.push_back('"');
        // The loader already merges the interface's labels into the peer's;
        // merging again is idempotent and keeps hand-built configs right too.
        AppendMergedLabels(out, interface_labels, peer_config->labels);
      }
      arena.ends.push_back(out.size());
    }
  }
  return arena;
}

// One sample per peer of every interface that was read: `name{labels} ` then
// whatever `append_rest` writes (value, or more labels and the value).
template <typename AppendRest>
void WritePeerFamily(Output& output, const Family& family, const std::vector<InterfaceView>& views,
                     const PeerLabelArena& arena, AppendRest append_rest) {
  std::string& out = output.text();
  AppendFamilyHeader(out, family, output.format());
  for (const InterfaceView& view : views) {
    const Device* device = view.device();
    if (device == nullptr) continue;
    std::size_t index = view.first_peer;
    for (const Peer& peer : device->peers) {
      if (output.stopped()) return;
      out.append(family.name);
      out.push_back('{');
      out.append(arena.Of(index++));
      append_rest(out, view, peer);
      out.push_back('\n');
      output.MaybeFlush();
    }
  }
}

// One sample per interface accepted by `include`: `name{labels`, then
// `append_rest` closes the labels and writes the value.
template <typename Include, typename AppendRest>
void WriteInterfaceFamily(Output& output, const Family& family,
                          const std::vector<InterfaceView>& views, Include include,
                          AppendRest append_rest) {
  std::string& out = output.text();
  AppendFamilyHeader(out, family, output.format());
  for (const InterfaceView& view : views) {
    if (!include(view)) continue;
    out.append(family.name);
    out.push_back('{');
    out.append(view.labels);
    append_rest(out, view);
    out.push_back('\n');
  }
  output.MaybeFlush();
}

void WriteScalar(std::string& out, const Family& family, double value, ExpositionFormat format) {
  AppendFamilyHeader(out, family, format);
  out.append(family.name);
  out.push_back(' ');
  AppendDouble(out, value);
  out.push_back('\n');
}

void WriteScalar(std::string& out, const Family& family, std::uint64_t value,
                 ExpositionFormat format) {
  AppendFamilyHeader(out, family, format);
  out.append(family.name);
  out.push_back(' ');
  AppendInteger(out, value);
  out.push_back('\n');
}

// wireguard_netns_up and wireguard_netns_interfaces, one sample per namespace
// looked at, the exporter's own written as netns="".
void WriteNamespaceFamilies(std::string& out, const ScrapeInputs& inputs) {
  static const std::vector<NamespaceStatus> kNone;
  const std::vector<NamespaceStatus>& namespaces =
      inputs.namespaces != nullptr ? *inputs.namespaces : kNone;
  AppendFamilyHeader(out, families::kNetnsUp, inputs.format);
  for (const NamespaceStatus& ns : namespaces) {
    out.append(families::kNetnsUp.name);
    out.push_back('{');
    AppendLabel(out, "netns", ns.name, /*first=*/true);
    out.append(ns.up ? "} 1\n" : "} 0\n");
  }
  AppendFamilyHeader(out, families::kNetnsInterfaces, inputs.format);
  for (const NamespaceStatus& ns : namespaces) {
    std::uint64_t found = 0;
    for (const InterfaceReading& reading : inputs.readings) {
      if (reading.attempted && reading.interface.netns == ns.name) ++found;
    }
    out.append(families::kNetnsInterfaces.name);
    out.push_back('{');
    AppendLabel(out, "netns", ns.name, /*first=*/true);
    out.append("} ");
    AppendInteger(out, found);
    out.push_back('\n');
  }
}

void Render(const ScrapeInputs& inputs, Output& output) {
  const std::int64_t now_ns = ToNanos(inputs.now);
  const MetricToggles& toggles = inputs.config.metrics;
  const std::vector<InterfaceView> views =
      BuildInterfaceViews(inputs.config, inputs.readings, now_ns);
  const bool any_peer_family = toggles.peer_handshake_timestamp || toggles.peer_handshake_age ||
                               toggles.peer_online || toggles.peer_bytes ||
                               toggles.peer_keepalive || toggles.peer_info;
  const PeerLabelArena arena = any_peer_family ? BuildPeerLabels(views) : PeerLabelArena{};

  if (toggles.peer_handshake_timestamp) {
    WritePeerFamily(output, families::kPeerHandshakeTimestamp, views, arena,
                    [](std::string& out, const InterfaceView&, const Peer& peer) {
                      out.append("} ");
                      if (NeverShookHands(peer)) {
                        out.push_back('0');
                        return;
                      }
                      AppendDouble(out,
                                   static_cast<double>(peer.last_handshake_seconds) +
                                       static_cast<double>(peer.last_handshake_nanoseconds) / 1e9);
                    });
  }
  if (toggles.peer_handshake_age) {
    WritePeerFamily(output, families::kPeerHandshakeAge, views, arena,
                    [now_ns](std::string& out, const InterfaceView&, const Peer& peer) {
                      out.append("} ");
                      if (NeverShookHands(peer)) {
                        out.append("+Inf");
                        return;
                      }
                      AppendDouble(out, static_cast<double>(HandshakeAgeNanos(peer, now_ns)) / 1e9);
                    });
  }
  if (toggles.peer_online) {
    WritePeerFamily(output, families::kPeerOnline, views, arena,
                    [now_ns](std::string& out, const InterfaceView& view, const Peer& peer) {
                      out.append(view.IsOnline(peer, now_ns) ? "} 1" : "} 0");
                    });
  }
  if (toggles.peer_bytes) {
    WritePeerFamily(output, families::kPeerReceiveBytes, views, arena,
                    [](std::string& out, const InterfaceView&, const Peer& peer) {
                      out.append("} ");
                      AppendInteger(out, peer.receive_bytes);
                    });
    WritePeerFamily(output, families::kPeerTransmitBytes, views, arena,
                    [](std::string& out, const InterfaceView&, const Peer& peer) {
                      out.append("} ");
                      AppendInteger(out, peer.transmit_bytes);
                    });
  }
  if (toggles.peer_keepalive) {
    WritePeerFamily(output, families::kPeerKeepalive, views, arena,
                    [](std::string& out, const InterfaceView&, const Peer& peer) {
                      out.append("} ");
                      AppendInteger(out, peer.persistent_keepalive_interval);
                    });
  }
  if (toggles.peer_info) {
    WritePeerFamily(output, families::kPeerInfo, views, arena,
                    [](std::string& out, const InterfaceView&, const Peer& peer) {
                      out.append(",endpoint=\"");
                      AppendEscaped(out, peer.endpoint);
                      out.append("\",allowed_ips=\"");
                      // Addresses and prefix lengths need no escaping.
                      for (std::size_t i = 0; i < peer.allowed_ips.size(); ++i) {
                        if (i > 0) out.push_back(',');
                        AppendAllowedIp(out, peer.allowed_ips[i]);
                      }
                      out.append("\"} 1");
                    });
  }
  if (output.stopped()) return;

  std::string& text = output.text();
  const auto all = [](const InterfaceView&) { return true; };
  const auto read_ok = [](const InterfaceView& view) { return view.device() != nullptr; };
  WriteInterfaceFamily(output, families::kInterfaceUp, views, all,
                       [](std::string& out, const InterfaceView& view) {
                         out.append(view.device() ? "} 1" : "} 0");
                       });
  WriteInterfaceFamily(output, families::kInterfaceInfo, views, read_ok,
                       [](std::string& out, const InterfaceView& view) {
                         const Device& device = *view.device();
                         out.append(",public_key=\"");
                         if (device.public_key) device.public_key->AppendBase64(out);
                         out.append("\",listen_port=\"");
                         AppendInteger(out, device.listen_port);
                         out.append("\",implementation=\"");
                         out.append(ImplementationName(device.implementation));
                         out.append("\",protocol=\"");
                         out.append(ProtocolName(device.protocol));
                         out.append("\"} 1");
                       });
  WriteInterfaceFamily(output, families::kInterfacePeers, views, read_ok,
                       [](std::string& out, const InterfaceView& view) {
                         out.append("} ");
                         AppendInteger(out, view.device()->peers.size());
                       });
  WriteInterfaceFamily(output, families::kInterfacePeersOnline, views, read_ok,
                       [](std::string& out, const InterfaceView& view) {
                         out.append("} ");
                         AppendInteger(out, view.peers_online);
                       });
  WriteInterfaceFamily(output, families::kInterfaceOnlineThreshold, views, all,
                       [](std::string& out, const InterfaceView& view) {
                         out.append("} ");
                         AppendDouble(out, static_cast<double>(view.threshold_ns) / 1e9);
                       });
  WriteInterfaceFamily(
      output, families::kInterfaceReadDuration, views,
      [](const InterfaceView& view) { return view.reading->attempted; },
      [](std::string& out, const InterfaceView& view) {
        out.append("} ");
        AppendDouble(out, view.reading->result.duration_seconds);
      });

  WriteNamespaceFamilies(text, inputs);

  const ExpositionFormat format = inputs.format;
  AppendFamilyHeader(text, families::kBuildInfo, format);
  text.append(families::kBuildInfo.name);
  text.push_back('{');
  AppendLabel(text, "version", inputs.build.version, /*first=*/true);
  AppendLabel(text, "revision", inputs.build.revision);
  text.append("} 1\n");
  WriteScalar(text, families::kReloadSuccessful,
              std::uint64_t{inputs.reload.last_reload_successful ? 1u : 0u}, format);
  WriteScalar(text, families::kReloadSuccessTimestamp, inputs.reload.last_success_timestamp_seconds,
              format);
  WriteScalar(text, families::kReloads, inputs.reload.reloads_total, format);
  WriteScalar(text, families::kReloadFailures, inputs.reload.reload_failures_total, format);
  WriteScalar(text, families::kScrapeDuration, inputs.scrape_duration_seconds, format);
  if (inputs.process != nullptr && toggles.process) {
    AppendProcessFamilies(text, *inputs.process, format);
  }
  AppendExpositionEnd(text, format);
}

}  // namespace

void RenderExposition(const ScrapeInputs& inputs, std::string& out) {
  Output output(out, std::numeric_limits<std::size_t>::max(), nullptr, inputs.format);
  Render(inputs, output);
}

bool StreamExposition(const ScrapeInputs& inputs, std::size_t chunk_bytes,
                      const ExpositionSink& sink) {
  // A small exposition needs no full chunk; a large one fills chunks of
  // `chunk_bytes` plus the sample that crossed the line.
  std::size_t peers = 0;
  for (const InterfaceReading& reading : inputs.readings) {
    if (reading.result.device) peers += reading.result.device->peers.size();
  }
  std::string buffer;
  buffer.reserve(std::min(chunk_bytes, peers * 1024 + 8192) + 4096);
  Output output(buffer, chunk_bytes, &sink, inputs.format);
  Render(inputs, output);
  output.Flush();
  return !output.stopped();
}

}  // namespace wgx
