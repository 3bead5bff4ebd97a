// Joins the kernel and userspace readers into one DeviceSource. A name that
// both can see is read from its userspace socket, as wg(8) does.
#pragma once

#include <memory>

#include "exporter/wireguard/source.h"

namespace wgx {

class CombinedSource : public DeviceSource {
 public:
  // Either may be null (that transport is switched off).
  CombinedSource(std::unique_ptr<DeviceSource> userspace, std::unique_ptr<DeviceSource> kernel);

  std::vector<InterfaceRef> List(std::vector<std::string>& errors) override;
  std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) override;

 private:
  std::unique_ptr<DeviceSource> userspace_;
  std::unique_ptr<DeviceSource> kernel_;
};

}  // namespace wgx
