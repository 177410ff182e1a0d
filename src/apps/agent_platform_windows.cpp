// kagami-agent.exe: --shm files and IVSHMEM devices, the dxgi and gdi backends, the service
// commands. The Windows code itself is in src/shm/windows, src/capture/{dxgi,gdi} and
// src/agent/windows (docs/windows.md); this file only wires it to the options.
#include "agent/windows/guest_info.h"
#include "agent/windows/windows_capture.h"
#include "agent/windows/windows_main.h"
#include "apps/agent_platform.h"

namespace kagami::apps {
namespace {

class WindowsPlatform final : public AgentPlatform {
 public:
  void add_options(CLI::App& app) override {
    auto* shm_opt = app.add_option("--shm", shm_,
                                   "A file to map (tests: Z:\\dev\\shm\\NAME under Wine); also takes the "
                                   "--device spellings, as earlier versions did");
    // The same option names as the Linux agent: --device for the device, --shm for a file.
    app.add_option("--device", device_,
                   "The IVSHMEM device: 'ivshmem' (the first, as Looking Glass chooses; also what the agent "
                   "uses without --shm or --device), 'ivshmem:N' (the N-th) or 'ivshmem:SIZE' (the one of "
                   "that size, e.g. 64M)")
        ->excludes(shm_opt);
    app.add_option("--capture", capture_name_,
                   "Capture backend: dxgi (Desktop Duplication), gdi (BitBlt; slower, no secure desktop), "
                   "or auto (dxgi, else gdi; logged)")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "dxgi", "gdi"}));
    app.add_option(
        "--output", dxgi_.output,
        "The output to capture: an index or a device name (\\\\.\\DISPLAY2); dxgi also takes part of "
        "the adapter's name (default: the primary display). Repeat as --output A --shm X --output B "
        "--shm Y to serve several, each into its own region (with its output record)");
    app.add_option("--gpu", dxgi_.expected_gpu,
                   "dxgi: part of the passed-through GPU's name; a warning says when the captured output "
                   "is on another adapter (default: any adapter that is not a virtual display)");
  }

  Result<void> check_options() override { return {}; }

  // Neither --shm nor --device: the first IVSHMEM device, as the Looking Glass host does.
  Result<std::unique_ptr<shm::Region>> open_region() override {
    if (!shm_.empty()) return shm::open_region(shm_);
    return shm::open_region(device_.empty() ? "ivshmem" : device_);
  }

  Result<std::unique_ptr<capture::CaptureBackend>> open_capture() override {
    return agent::make_windows_capture(capture_name_, dxgi_);
  }

  protocol::GuestInfo guest_info(std::string_view capture_name) const override {
    return agent::windows_guest_info("kagami " KAGAMI_VERSION, capture_name);
  }

 private:
  std::string shm_;
  std::string device_;
  std::string capture_name_ = "auto";
  capture::DxgiOptions dxgi_;
};

}  // namespace

std::unique_ptr<AgentPlatform> make_agent_platform() { return std::make_unique<WindowsPlatform>(); }

// The wide command line, not argv: arguments are UTF-8 whatever the code page.
int agent_entry(int, char**, const RunAgent& run_agent) {
  return agent::windows_main(agent::utf8_arguments(), run_agent);
}

}  // namespace kagami::apps
