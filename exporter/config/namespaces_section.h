// The `namespaces` section of the configuration and the `netns` of a listed
// interface: which network namespaces a scrape reads beside the exporter's
// own, and the names they go by.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exporter/config/yaml_reader.h"
#include "exporter/wireguard/netns.h"

namespace wgx {

// Why `name` cannot name a namespace (it becomes the netns label and appears
// in logs), or nullopt.
std::optional<std::string> NamespaceNameProblem(std::string_view name);

// Reads and checks the section; every refusal throws LoadFailure with the
// line and column it is about.
NamespaceSelection LoadNamespacesSection(const YamlReader& reader, const Entry& section);

}  // namespace wgx
