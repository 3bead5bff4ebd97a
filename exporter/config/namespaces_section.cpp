#include "exporter/config/namespaces_section.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <array>
#include <map>

#include "exporter/config/name_checks.h"
#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

constexpr std::array<std::string_view, 2> kDiscoverWords{"named", "processes"};
constexpr std::size_t kMaxNamespaceName = 64;

// What is wrong with `path` as a network namespace file, or "" when it is
// one or cannot be looked at now (absent, or not ours to open: a namespace
// named ahead of time is read once it is there).
std::string NsfsProblem(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return {};
  if (fs.f_type != NSFS_MAGIC) return "is not a namespace file (nsfs)";
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  const int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type >= 0 && type != CLONE_NEWNET)
    return "is a namespace file, but not of a network namespace";
  return {};
}

std::vector<std::string> StringList(const YamlReader& reader, const Entry& section) {
  std::vector<std::string> items;
  if (!reader.RequireListOrNull(section)) return items;
  for (std::size_t i = 0; i < section.value.size(); ++i) {
    const Entry item{"", section.key_node, section.value[i],
                     section.path + "[" + std::to_string(i) + "]"};
    if (item.value.IsNull()) reader.Fail(section.value, item.path + ": the list item is empty");
    items.push_back(reader.String(item));
  }
  return items;
}

}  // namespace

std::optional<std::string> NamespaceNameProblem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxNamespaceName) {
    return "is longer than " + std::to_string(kMaxNamespaceName) + " characters";
  }
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return "must be printable ASCII without whitespace or control characters";
    }
    if (c == '"' || c == '\\') return "must not contain '\"' or '\\'";
  }
  return std::nullopt;
}

NamespaceSelection LoadNamespacesSection(const YamlReader& reader, const Entry& section) {
  NamespaceSelection selection;
  if (!reader.RequireMapOrNull(section)) return selection;
  reader.ForEachEntry(
      section.value, "namespaces.", "namespaces", {"discover", "exclude", "paths"},
      [&](const Entry& entry) {
        if (entry.key == "discover") {
          const std::vector<std::string> words = StringList(reader, entry);
          for (std::size_t i = 0; i < words.size(); ++i) {
            if (words[i] == "named") {
              selection.named = true;
            } else if (words[i] == "processes") {
              selection.processes = true;
            } else {
              reader.Fail(entry.value[i], entry.path + "[" + std::to_string(i) +
                                              "]: unknown way to discover namespaces " +
                                              Quoted(words[i]) +
                                              "; allowed: " + JoinNames(kDiscoverWords));
            }
          }
        } else if (entry.key == "exclude") {
          const std::vector<std::string> patterns = StringList(reader, entry);
          for (std::size_t i = 0; i < patterns.size(); ++i) {
            if (auto problem = GlobProblem(patterns[i])) {
              reader.Fail(entry.value[i], entry.path + "[" + std::to_string(i) + "]: pattern " +
                                              Quoted(patterns[i]) + " " + *problem);
            }
          }
          selection.exclude = patterns;
        } else if (reader.RequireListOrNull(entry)) {
          std::map<std::string, int> lines;
          for (std::size_t i = 0; i < entry.value.size(); ++i) {
            const YAML::Node& node = entry.value[i];
            const std::string where = entry.path + "[" + std::to_string(i) + "]";
            if (node.IsNull()) reader.Fail(entry.value, where + ": the list item is empty");
            if (!node.IsMap()) {
              reader.Fail(node, where +
                                    ": a namespace must be a mapping with a name and a path, "
                                    "got " +
                                    TypeName(node));
            }
            std::optional<Entry> name;
            std::optional<Entry> path;
            reader.ForEachEntry(node, where + ".", where, {"name", "path"}, [&](Entry e) {
              (e.key == "name" ? name : path).emplace(std::move(e));
            });
            if (!name) reader.Fail(node, where + ": a namespace needs a name");
            if (!path) reader.Fail(node, where + ": a namespace needs a path");
            NamespacePath item{reader.String(*name), reader.PathValue(*path)};
            if (auto problem = NamespaceNameProblem(item.name)) {
              reader.Fail(*name, "namespace name " + Quoted(item.name) + " " + *problem);
            }
            const auto [seen, inserted] = lines.emplace(item.name, name->value.Mark().line + 1);
            if (!inserted) {
              reader.Fail(*name, "namespace " + Quoted(item.name) +
                                     " is named twice (first on line " +
                                     std::to_string(seen->second) + ")");
            }
            if (const std::string problem = NsfsProblem(item.path); !problem.empty()) {
              reader.Fail(*path, Quoted(item.path) + " " + problem);
            }
            selection.paths.push_back(std::move(item));
          }
        }
      });
  return selection;
}

}  // namespace wgx
