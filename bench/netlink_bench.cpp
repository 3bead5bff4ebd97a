// Parsing a kernel WireGuard device dump (WG_CMD_GET_DEVICE): the per-scrape
// CPU cost of every kernel interface, which grows with its number of peers.
// Reports peers/s (items_per_second), datagram bytes/s (bytes_per_second)
// and heap bytes allocated per peer, for 10 to 10,000 peers.
//
// The dump is laid out the way the kernel lays it out, as seen in
// tests/data/netlink/kernel-6.1-device-wgcap.bin: one generic netlink
// message per datagram, the first one at most NLMSG_GOODSIZE (3,776 bytes on
// x86-64 with 4 KiB pages), the later ones as large as the reader's receive
// buffer allows (32 KiB for the exporter, less the kernel's skb overhead; a
// reader with a small buffer gets NLMSG_GOODSIZE every time). A peer whose
// allowed IPs do not fit continues in the next message, and NLMSG_DONE rides
// in the last datagram when there is room.
#include <benchmark/benchmark.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "exporter/wireguard/netlink_parser.h"
#include "tests/wireguard/netlink_test_messages.h"

namespace wgx {
namespace {

using netlink::testing::Answer;
using netlink::testing::DeviceMessage;
using netlink::testing::PeerMessage;

constexpr std::int64_t kNow = 1'700'000'000;
// SKB_WITH_OVERHEAD(4096) and SKB_WITH_OVERHEAD(32768) on x86-64: the room
// the kernel gives one dump datagram.
constexpr std::size_t kGoodSize = 3'776;
constexpr std::size_t kLargeDatagram = 32'448;
constexpr std::size_t kDoneSize = NLMSG_HDRLEN + sizeof(int);

// Production-like peers, the same values the UAPI benchmark uses: every
// peer has handshaken, counters in the gigabytes, an IPv4 endpoint (every
// tenth one IPv6), a preshared key on every other peer and one IPv4 allowed
// IP plus, on every other peer, an IPv6 one.
std::vector<PeerMessage> GeneratePeers(std::size_t count) {
  std::mt19937_64 rng(42);
  std::vector<PeerMessage> peers(count);
  for (std::size_t i = 0; i < count; ++i) {
    PeerMessage& peer = peers[i];
    for (auto& byte : peer.public_key.bytes) byte = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0) {
      for (auto& byte : peer.preshared_key->bytes) byte = static_cast<std::uint8_t>(rng());
    }
    const auto port = static_cast<std::uint16_t>(1024 + i % 60000);
    peer.endpoint = i % 10 == 9 ? netlink::testing::Sockaddr6("2001:db8::1", port)
                                : netlink::testing::Sockaddr4("203.0.113.7", port);
    peer.handshake_seconds = kNow - static_cast<std::int64_t>(rng() % 600);
    peer.handshake_nanoseconds = static_cast<std::int64_t>(rng() % 1'000'000'000);
    peer.transmit_bytes = rng() % 100'000'000'000;
    peer.receive_bytes = rng() % 100'000'000'000;
    peer.keepalive = i % 2 == 0 ? 25 : 0;
    AllowedIp v4;
    v4.family = AF_INET;
    v4.cidr = 32;
    const std::uint32_t address = htonl(0x0a000000u + static_cast<std::uint32_t>(i));
    std::memcpy(v4.address.data(), &address, sizeof address);
    peer.allowed_ips.push_back(v4);
    if (i % 2 == 0) {
      AllowedIp v6;
      v6.family = AF_INET6;
      v6.cidr = 128;
      v6.address = {0xfd};
      v6.address[14] = static_cast<std::uint8_t>(i >> 8);
      v6.address[15] = static_cast<std::uint8_t>(i);
      peer.allowed_ips.push_back(v6);
    }
  }
  return peers;
}

// Encoded sizes, measured by encoding into a scratch message that is never
// finished (each measurement starts the same message over).
class SizeMeter {
 public:
  std::size_t Peer(const PeerMessage& peer) {
    nlmsghdr* message = scratch_.BeginDevice();
    const std::size_t before = message->nlmsg_len;
    netlink::testing::PutPeer(message, peer);
    return message->nlmsg_len - before;
  }

 private:
  Answer scratch_{std::size_t{64} * 1024};
};

// Every datagram of the answer, filled the way the kernel's dump fills them:
// whole peers while they fit, then as many of the next peer's allowed IPs as
// fit, the rest continuing in the next message.
std::vector<std::vector<std::uint8_t>> BuildDump(const DeviceMessage& device,
                                                 const std::vector<PeerMessage>& peers,
                                                 std::size_t later_datagram) {
  constexpr std::size_t kPeersNestHeader = NLA_HDRLEN;
  Answer first_header;
  first_header.AddFirstDeviceMessage(device, {});
  Answer later_header;
  later_header.AddPeersMessage({}, device.name);

  SizeMeter meter;
  std::vector<std::vector<PeerMessage>> messages(1);
  std::size_t used = first_header.bytes().size() + kPeersNestHeader;
  std::size_t room = kGoodSize;
  auto start_next_message = [&] {
    messages.emplace_back();
    used = later_header.bytes().size() + kPeersNestHeader;
    room = later_datagram;
  };
  for (const PeerMessage& peer : peers) {
    PeerMessage pending = peer;
    while (true) {
      const std::size_t size = meter.Peer(pending);
      if (used + size <= room) {
        used += size;
        messages.back().push_back(std::move(pending));
        break;
      }
      // Split: the peer's attributes and the first allowed IPs that fit.
      PeerMessage head = pending;
      bool split = false;
      while (!head.allowed_ips.empty()) {
        head.allowed_ips.pop_back();
        if (head.continuation && head.allowed_ips.empty()) break;
        if (used + meter.Peer(head) <= room) {
          PeerMessage rest;
          rest.public_key = pending.public_key;
          rest.continuation = true;
          rest.allowed_ips.assign(pending.allowed_ips.begin() + head.allowed_ips.size(),
                                  pending.allowed_ips.end());
          messages.back().push_back(std::move(head));
          pending = std::move(rest);
          split = true;
          break;
        }
      }
      if (!split && messages.back().empty()) return {};  // one peer larger than a datagram
      start_next_message();
    }
  }

  std::vector<std::vector<std::uint8_t>> datagrams;
  bool done_sent = false;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    Answer answer(kLargeDatagram + kDoneSize);
    if (i == 0) {
      answer.AddFirstDeviceMessage(device, messages[i]);
    } else {
      answer.AddPeersMessage(messages[i], device.name);
    }
    const std::size_t limit = i == 0 ? kGoodSize : later_datagram;
    if (i + 1 == messages.size() && answer.bytes().size() + kDoneSize <= limit) {
      answer.AddDone();
      done_sent = true;
    }
    datagrams.push_back(answer.bytes());
    if (datagrams.back().size() > limit) return {};
  }
  if (!done_sent) {
    Answer done(kDoneSize);
    done.AddDone();
    datagrams.push_back(done.bytes());
  }
  return datagrams;
}

struct Dump {
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::size_t bytes = 0;
};

Dump MakeDump(std::size_t peers, std::size_t later_datagram) {
  DeviceMessage device;
  device.private_key = netlink::testing::TestKey(1);
  device.public_key = netlink::testing::TestKey(101);
  device.listen_port = 51820;
  Dump dump;
  dump.datagrams = BuildDump(device, GeneratePeers(peers), later_datagram);
  for (const auto& datagram : dump.datagrams) dump.bytes += datagram.size();
  return dump;
}

// Feed() wipes each datagram, as the exporter wipes its receive buffer, so
// every iteration first copies the pristine dump into reused buffers, where
// recvfrom() would have put it; BM_NetlinkDumpCopyOnly measures that copy.
void Refill(const Dump& dump, std::vector<std::vector<std::uint8_t>>& buffers) {
  for (std::size_t i = 0; i < dump.datagrams.size(); ++i) {
    std::memcpy(buffers[i].data(), dump.datagrams[i].data(), dump.datagrams[i].size());
  }
}

std::optional<Device> ParseDump(std::vector<std::vector<std::uint8_t>>& buffers) {
  netlink::DeviceDumpParser parser("wg0", netlink::testing::kFamilyId, netlink::testing::kSequence);
  for (auto& buffer : buffers) {
    if (parser.Feed(std::span(buffer)) != netlink::FeedStatus::kNeedMore) break;
  }
  return parser.TakeDevice();
}

void ReportCounters(benchmark::State& state, std::size_t peers, const Dump& dump,
                    const bench::AllocationCount& allocated) {
  const auto iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(peers));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(dump.bytes));
  state.counters["in_bytes"] = static_cast<double>(dump.bytes);
  state.counters["datagrams"] = static_cast<double>(dump.datagrams.size());
  state.counters["alloc_B/peer"] =
      static_cast<double>(allocated.bytes) / iterations / static_cast<double>(peers);
  state.counters["allocs/peer"] =
      static_cast<double>(allocated.allocations) / iterations / static_cast<double>(peers);
}

// Arguments: peers, and the room of every datagram after the first.
void BM_ParseNetlinkDump(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  const Dump dump = MakeDump(peers, static_cast<std::size_t>(state.range(1)));
  if (dump.datagrams.empty()) {
    state.SkipWithError("could not lay out the dump");
    return;
  }
  std::vector<std::vector<std::uint8_t>> buffers = dump.datagrams;
  {
    const std::optional<Device> check = ParseDump(buffers);
    if (!check || check->peers.size() != peers) {
      state.SkipWithError("generated dump does not parse to every peer");
      return;
    }
  }
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    Refill(dump, buffers);
    std::optional<Device> device = ParseDump(buffers);
    benchmark::DoNotOptimize(device->peers.data());
  }
  ReportCounters(state, peers, dump, bench::AllocationsSince(start));
}
BENCHMARK(BM_ParseNetlinkDump)
    ->ArgNames({"peers", "datagram"})
    ->Args({10, kLargeDatagram})
    ->Args({1'000, kLargeDatagram})
    ->Args({10'000, kLargeDatagram})
    ->Args({10, kGoodSize})
    ->Args({1'000, kGoodSize})
    ->Args({10'000, kGoodSize})
    ->Unit(benchmark::kMicrosecond);

// Only the copy that stands in for recvfrom(), to subtract from the above.
void BM_NetlinkDumpCopyOnly(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  const Dump dump = MakeDump(peers, static_cast<std::size_t>(state.range(1)));
  if (dump.datagrams.empty()) {
    state.SkipWithError("could not lay out the dump");
    return;
  }
  std::vector<std::vector<std::uint8_t>> buffers = dump.datagrams;
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    Refill(dump, buffers);
    benchmark::ClobberMemory();
  }
  ReportCounters(state, peers, dump, bench::AllocationsSince(start));
}
BENCHMARK(BM_NetlinkDumpCopyOnly)
    ->ArgNames({"peers", "datagram"})
    ->Args({10'000, kLargeDatagram})
    ->Args({10'000, kGoodSize})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wgx
