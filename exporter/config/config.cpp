#include "exporter/config/config.h"

#include <fnmatch.h>

#include <algorithm>

namespace wgx {

const InterfaceConfig* Config::Find(std::string_view netns, std::string_view name) const {
  for (const auto& iface : interfaces) {
    if (iface.name == name && iface.netns == netns) return &iface;
  }
  return nullptr;
}

bool Config::Selects(std::string_view netns, const std::string& name) const {
  const bool excluded = std::any_of(exclude.begin(), exclude.end(), [&](const std::string& p) {
    return fnmatch(p.c_str(), name.c_str(), 0) == 0;
  });
  if (excluded) return false;
  return discover || Find(netns, name) != nullptr;
}

std::chrono::milliseconds Config::OnlineThreshold(const std::string& name) const {
  const InterfaceConfig* iface = Find(name);
  return iface != nullptr ? iface->online_threshold : default_online_threshold;
}

std::chrono::milliseconds Config::ReadTimeout(const std::string& name) const {
  const InterfaceConfig* iface = Find(name);
  return iface != nullptr ? iface->read_timeout : default_read_timeout;
}

const PeerConfigs* Config::PeersOf(std::string_view netns,
                                   const std::string& interface_name) const {
  if (const InterfaceConfig* iface = Find(netns, interface_name)) return &iface->peers;
  if (!netns.empty()) return nullptr;
  const auto it = discovered_peers.find(interface_name);
  return it != discovered_peers.end() ? &it->second : nullptr;
}

const PeerConfig* Config::FindPeer(const std::string& interface_name, const Key& key) const {
  const PeerConfigs* peers = PeersOf(interface_name);
  if (peers == nullptr) return nullptr;
  const auto it = peers->find(key);
  return it != peers->end() ? &it->second : nullptr;
}

const std::vector<std::string>& Config::ExcludePeersOf(std::string_view netns,
                                                       std::string_view interface_name) const {
  const InterfaceConfig* iface = Find(netns, interface_name);
  return iface != nullptr ? iface->exclude_peers : default_exclude_peers;
}

bool Config::ExcludesPeer(const std::vector<std::string>& patterns, const Key& key,
                          std::string_view name) {
  if (patterns.empty()) return false;
  const std::string key_text = key.ToBase64();
  const std::string name_text(name);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return fnmatch(pattern.c_str(), key_text.c_str(), 0) == 0 ||
           (!name_text.empty() && fnmatch(pattern.c_str(), name_text.c_str(), 0) == 0);
  });
}

}  // namespace wgx
