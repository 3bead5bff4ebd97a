#include "exporter/wireguard/combined_source.h"

#include <algorithm>
#include <future>
#include <system_error>
#include <unordered_set>

namespace wgx {

CombinedSource::CombinedSource(std::unique_ptr<DeviceSource> userspace,
                               std::unique_ptr<DeviceSource> kernel)
    : userspace_(std::move(userspace)), kernel_(std::move(kernel)) {}

std::vector<InterfaceRef> CombinedSource::List(std::vector<std::string>& errors) {
  std::vector<InterfaceRef> all;
  std::unordered_set<std::string> seen;
  for (DeviceSource* source : {userspace_.get(), kernel_.get()}) {
    if (source == nullptr) continue;
    for (auto& ref : source->List(errors)) {
      if (seen.insert(ref.name).second) all.push_back(std::move(ref));
    }
  }
  std::sort(all.begin(), all.end(),
            [](const InterfaceRef& a, const InterfaceRef& b) { return a.name < b.name; });
  return all;
}

std::vector<ReadResult> CombinedSource::Read(const std::vector<ReadRequest>& requests) {
  std::vector<ReadResult> results(requests.size());
  std::vector<ReadRequest> by_kind[2];
  std::vector<std::size_t> index_of[2];
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const int k = requests[i].interface.implementation == Implementation::kKernel ? 1 : 0;
    DeviceSource* source = k == 1 ? kernel_.get() : userspace_.get();
    if (source == nullptr) {
      results[i].error = std::string("reading ") +
                         ImplementationName(requests[i].interface.implementation) +
                         " interfaces is switched off";
      continue;
    }
    by_kind[k].push_back(requests[i]);
    index_of[k].push_back(i);
  }
  auto place = [&](int k, std::vector<ReadResult> got) {
    for (std::size_t j = 0; j < got.size() && j < index_of[k].size(); ++j) {
      results[index_of[k][j]] = std::move(got[j]);
    }
  };
  // The kernel's answers come on another thread while this one waits on the
  // userspace sockets: a scrape costs the slower of the two, not the sum.
  std::future<std::vector<ReadResult>> kernel_results;
  if (!by_kind[1].empty() && !by_kind[0].empty()) {
    try {
      kernel_results = std::async(std::launch::async, [&] { return kernel_->Read(by_kind[1]); });
    } catch (const std::system_error&) {
      // No thread to be had: read one after the other rather than not at all.
    }
  }
  if (!by_kind[1].empty() && !kernel_results.valid()) place(1, kernel_->Read(by_kind[1]));
  if (!by_kind[0].empty()) place(0, userspace_->Read(by_kind[0]));
  if (kernel_results.valid()) place(1, kernel_results.get());
  return results;
}

}  // namespace wgx
