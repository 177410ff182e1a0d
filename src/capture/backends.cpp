#include "capture/backends.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "capture/drm/drm_backend.h"
#include "capture/fb/fb_backend.h"
#ifdef KAGAMI_CAPTURE_X11
#include "capture/x11/x11_backend.h"
#endif
#ifdef KAGAMI_CAPTURE_WLR
#include "capture/wlr/wlr_backend.h"
#endif
#ifdef KAGAMI_CAPTURE_DRM_EGL
#include "capture/drm/egl_reader.h"
#endif
#ifdef KAGAMI_CAPTURE_PORTAL
#include "capture/portal/portal_backend.h"
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
#ifdef KAGAMI_CAPTURE_WLR
  if (name == "wlr")
    return std::make_unique<WlrBackend>(WlrConfig{o.wayland_display, o.output, o.overlay_cursor});
#endif
#ifdef KAGAMI_CAPTURE_PORTAL
  if (name == "portal") {
    PortalConfig c;
    c.token_file = o.portal_token_file;
    return std::make_unique<PortalBackend>(c);
  }
#endif
  if (name == "drm") {
    DrmConfig c{o.drm_path, o.poll_interval, o.output, {}};
#ifdef KAGAMI_CAPTURE_DRM_EGL
    c.gpu_reader = make_egl_reader;
#endif
    return std::make_unique<DrmBackend>(c);
  }
  if (name == "fb") return std::make_unique<FbBackend>(FbConfig{o.fb_path, std::nullopt, o.poll_interval});
  if (name == "pattern") return std::make_unique<PatternBackend>(o.pattern);
  return nullptr;
}

bool set(const char* variable) {
  const char* v = std::getenv(variable);
  return v && *v;
}

}  // namespace

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
#ifdef KAGAMI_CAPTURE_WLR
  names.push_back("wlr");
#endif
#ifdef KAGAMI_CAPTURE_PORTAL
  names.push_back("portal");
#endif
#ifdef KAGAMI_CAPTURE_X11
  names.push_back("x11");
#endif
  names.insert(names.end(), {"drm", "fb", "pattern"});
  return names;
}

Session detect_session(const BackendOptions& options) {
  Session s;
  s.wayland = !options.wayland_display.empty() || set("WAYLAND_DISPLAY");
  s.x11 = !options.display.empty() || set("DISPLAY");
  return s;
}

AutoPlan auto_plan(const Session& session) {
  AutoPlan plan;
  if (session.wayland) {
    plan.order = {"wlr", "portal", "drm", "fb"};
    plan.why = "a Wayland session (WAYLAND_DISPLAY)";
  } else if (session.x11) {
    plan.order = {"x11", "drm", "fb"};
    plan.why = "an X11 session (DISPLAY)";
  } else {
    plan.order = {"drm", "fb"};
    plan.why = "no desktop session (neither WAYLAND_DISPLAY nor DISPLAY)";
  }
  // Only what this build has.
  const auto names = backend_names();
  std::erase_if(plan.order, [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) == names.end();
  });
  return plan;
}

Result<std::unique_ptr<CaptureBackend>> open_backend(const std::string& name, const BackendOptions& options) {
  // Only x11, drm and wlr know several outputs; the others always show the one screen they have.
  const auto knows_outputs = [](const std::string& n) { return n == "x11" || n == "drm" || n == "wlr"; };
  if (!options.output.empty() && name != "auto" && !knows_outputs(name))
    return Error{
        fmt::format("capture {} has no outputs to choose from (--output needs x11, drm or wlr)", name)};
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
  const AutoPlan plan = auto_plan(detect_session(options));
  std::string order;
  for (const auto& n : plan.order) order += (order.empty() ? "" : ", ") + n;
  std::string attempts;
  for (const auto& n : plan.order) {
    if (!options.output.empty() && !knows_outputs(n)) continue;
    auto backend = make(n, options);
    if (auto r = backend->start(); r) {
      spdlog::info("capture: {} (the first of [{}] that started; {})", n, order, plan.why);
      return backend;
    } else {
      spdlog::info("capture {} unavailable: {}", n, r.error().message);
      attempts += fmt::format("\n  {}: {}", n, r.error().message);
    }
  }
  return Error{
      fmt::format("no capture backend started for {}:{}\n(use --capture pattern for a synthetic screen)",
                  plan.why, attempts)};
}

}  // namespace kagami::capture
