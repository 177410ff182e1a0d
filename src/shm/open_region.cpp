// open_region: the user's --shm value to a backend.
#include <string_view>

#include "shm/region.h"

namespace kagami::shm {

Result<std::unique_ptr<Region>> open_region(const std::string& spec) {
  std::string_view view = spec;
  if (view.starts_with("/dev/kvmfr")) return open_kvmfr(spec);
  if (view == "ivshmem") return open_pci_bar(std::nullopt);
  if (view.starts_with("ivshmem:")) return open_pci_bar(std::string(view.substr(8)));
  return open_file(spec);
}

}  // namespace kagami::shm
