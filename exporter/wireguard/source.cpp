#include "exporter/wireguard/source.h"

namespace wgx {

Listing DeviceSource::ListNamespaces(const NamespaceSelection& /*where*/) {
  Listing listing;
  listing.interfaces = List(listing.errors);
  listing.namespaces.push_back(NamespaceStatus{"", listing.errors.empty(), {}});
  if (!listing.errors.empty()) listing.namespaces.back().error = listing.errors.front();
  return listing;
}

}  // namespace wgx
