#include "capture/backends.h"

#include <spdlog/spdlog.h>

#include "capture/drm/drm_backend.h"
#include "capture/fb/fb_backend.h"
#ifdef KAGAMI_CAPTURE_X11
#include "capture/x11/x11_backend.h"
#endif

namespace kagami::capture {

namespace {

std::unique_ptr<CaptureBackend> make(const std::string& name, const BackendOptions& o) {
#ifdef KAGAMI_CAPTURE_X11
  if (name == "x11") {
    X11Config c;
    c.display = o.display;
    c.output = o.output;
    c.poll_interval = o.poll_interval;
    return std::make_unique<X11Backend>(c);
  }
#endif
  if (name == "drm") return std::make_unique<DrmBackend>(DrmConfig{o.drm_path, o.poll_interval, o.output});
  if (name == "fb") return std::make_unique<FbBackend>(FbConfig{o.fb_path, std::nullopt, o.poll_interval});
  if (name == "pattern") return std::make_unique<PatternBackend>(o.pattern);
  return nullptr;
}

}  // namespace

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
#ifdef KAGAMI_CAPTURE_X11
  names.push_back("x11");
#endif
  names.insert(names.end(), {"drm", "fb", "pattern"});
  return names;
}

Result<std::unique_ptr<CaptureBackend>> open_backend(const std::string& name, const BackendOptions& options) {
  // Only x11 and drm know several outputs; the others always show the one screen they have.
  const auto knows_outputs = [](const std::string& n) { return n == "x11" || n == "drm"; };
  if (!options.output.empty() && name != "auto" && !knows_outputs(name))
    return Error{fmt::format("capture {} has no outputs to choose from (--output needs x11 or drm)", name)};
  if (name != "auto") {
    auto backend = make(name, options);
    if (!backend) {
      std::string known;
      for (const auto& n : backend_names()) known += (known.empty() ? "" : ", ") + n;
      return Error{fmt::format("unknown capture backend '{}' (this build has: {}, or auto)", name, known)};
    }
    if (auto r = backend->start(); !r) return Error{fmt::format("capture {}: {}", name, r.error().message)};
    return backend;
  }
  std::string attempts;
  for (const auto& n : backend_names()) {
    if (n == "pattern" || (!options.output.empty() && !knows_outputs(n))) continue;
    auto backend = make(n, options);
    if (auto r = backend->start(); r) {
      spdlog::info("capture: {} (the first of [{}] that started)", n, "x11, drm, fb");
      return backend;
    } else {
      spdlog::info("capture {} unavailable: {}", n, r.error().message);
      attempts += fmt::format("\n  {}: {}", n, r.error().message);
    }
  }
  return Error{
      fmt::format("no capture backend started:{}\n(use --capture pattern for a synthetic screen)", attempts)};
}

}  // namespace kagami::capture
