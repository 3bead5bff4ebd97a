// Any bytes as the answers the kernel sends to the exporter's netlink
// requests, received as a sequence of buffers.
//
// Input layout (so a seed can describe a real multi-buffer answer):
//   byte 0      bits 0-1: which parser (0 device dump, 1 link dump,
//               2 family reply, 3 endpoint formatting); bit 2: accept any
//               family id and sequence (0) instead of the ones the seeds use;
//               bit 3: the amneziawg module's dialect (device dump, family)
//   then        buffers, each a little-endian uint16 length and that many
//               bytes; a length past the end takes what is left
//
// Each buffer is copied into its own heap block, as recv() would fill a
// buffer the reader allocated, so the parser sees netlink's usual alignment
// and AddressSanitizer sees the buffer's true end.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "exporter/wireguard/netlink_parser.h"

namespace {

// The values the seed corpus was written with (make_netlink_seeds.cpp).
constexpr std::uint16_t kSeedFamilyId = 0x1f;
constexpr std::uint32_t kSeedSequence = 4242;

std::vector<std::vector<std::uint8_t>> SplitBuffers(const std::uint8_t* data, std::size_t size) {
  std::vector<std::vector<std::uint8_t>> buffers;
  std::size_t at = 0;
  while (at + 2 <= size) {
    std::size_t length = data[at] | (std::size_t{data[at + 1]} << 8);
    at += 2;
    if (length > size - at) length = size - at;
    buffers.emplace_back(data + at, data + at + length);
    at += length;
  }
  return buffers;
}

template <typename Parser>
void FeedAll(Parser& parser, std::vector<std::vector<std::uint8_t>>& buffers) {
  for (auto& buffer : buffers) {
    if (parser.Feed(std::span<std::uint8_t>(buffer)) != wgx::netlink::FeedStatus::kNeedMore) break;
  }
  // Once finished, a parser must stay finished whatever else arrives.
  if (parser.status() != wgx::netlink::FeedStatus::kNeedMore) {
    const auto final_status = parser.status();
    std::vector<std::uint8_t> extra(16, 0);
    parser.Feed(std::span<std::uint8_t>(extra));
    if (parser.status() != final_status) __builtin_trap();
  }
  if (parser.status() == wgx::netlink::FeedStatus::kError && parser.error().message.empty()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const bool strict = (selector & 4) == 0;
  const wgx::Protocol protocol =
      (selector & 8) != 0 ? wgx::Protocol::kAmneziaWg : wgx::Protocol::kWireGuard;
  const std::uint16_t family_id = strict ? kSeedFamilyId : 0;
  const std::uint32_t sequence = strict ? kSeedSequence : 0;
  auto buffers = SplitBuffers(data + 1, size - 1);

  switch (selector & 3) {
    case 0: {
      wgx::netlink::DeviceDumpParser parser("wg0", family_id, sequence, protocol);
      FeedAll(parser, buffers);
      auto device = parser.TakeDevice();
      if (device.has_value() != (parser.status() == wgx::netlink::FeedStatus::kDone)) {
        __builtin_trap();
      }
      // The handshake times the UAPI parser would accept, and no others.
      if (device) {
        for (const wgx::Peer& peer : device->peers) {
          if (peer.last_handshake_seconds < 0 || peer.last_handshake_nanoseconds < 0 ||
              peer.last_handshake_nanoseconds > 999'999'999) {
            __builtin_trap();
          }
        }
      }
      break;
    }
    case 1: {
      wgx::netlink::LinkDumpParser parser(sequence);
      FeedAll(parser, buffers);
      break;
    }
    case 2: {
      wgx::netlink::FamilyReplyParser parser(
          protocol == wgx::Protocol::kAmneziaWg ? "amneziawg" : "wireguard", sequence);
      FeedAll(parser, buffers);
      break;
    }
    default: {
      for (const auto& buffer : buffers) {
        (void)wgx::netlink::FormatEndpoint(buffer);
        // The request builders take interface names from the config file.
        const std::string name(buffer.begin(), buffer.end());
        (void)wgx::netlink::BuildGetDeviceRequest(name, family_id, sequence, protocol);
        (void)wgx::netlink::BuildGetFamilyRequest(name, sequence);
      }
      break;
    }
  }
  return 0;
}
