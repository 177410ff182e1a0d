#include "capture/drm/drm_outputs.h"

#include <fmt/format.h>
#include <xf86drm.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <vector>

#include "capture/drm/output_layout.h"

namespace kagami::capture {

namespace {

struct Active {
  std::uint32_t crtc_id;
  CrtcView view;
  std::string name;  // of the connector driving it; "crtc-ID" when none is found
};

std::vector<Active> active_crtcs(int fd, const drmModeRes& res) {
  std::vector<Active> out;
  for (int i = 0; i < res.count_crtcs; ++i) {
    std::unique_ptr<drmModeCrtc, decltype(&drmModeFreeCrtc)> crtc(drmModeGetCrtc(fd, res.crtcs[i]),
                                                                  &drmModeFreeCrtc);
    if (!crtc || !crtc->mode_valid || crtc->buffer_id == 0) continue;
    Active a{crtc->crtc_id,
             {crtc->buffer_id, crtc->x, crtc->y, crtc->mode.hdisplay, crtc->mode.vdisplay},
             fmt::format("crtc-{}", crtc->crtc_id)};
    for (int c = 0; c < res.count_connectors; ++c) {
      std::unique_ptr<drmModeConnector, decltype(&drmModeFreeConnector)> conn(
          drmModeGetConnectorCurrent(fd, res.connectors[c]), &drmModeFreeConnector);
      if (!conn || conn->encoder_id == 0) continue;
      std::unique_ptr<drmModeEncoder, decltype(&drmModeFreeEncoder)> enc(
          drmModeGetEncoder(fd, conn->encoder_id), &drmModeFreeEncoder);
      if (!enc || enc->crtc_id != crtc->crtc_id) continue;
      const char* type = drmModeGetConnectorTypeName(conn->connector_type);
      a.name = fmt::format("{}-{}", type ? type : "Unknown", conn->connector_type_id);
      break;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Result<DrmOutput> pick_drm_output(int fd, const drmModeRes& resources, const std::string& which) {
  const std::vector<Active> active = active_crtcs(fd, resources);
  std::size_t found = active.size();
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (active[i].name == which) found = i;
  }
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(which.data(), which.data() + which.size(), index);
  if (found == active.size() && ec == std::errc{} && end == which.data() + which.size() &&
      index < active.size())
    found = index;
  if (found == active.size()) {
    std::string known;
    for (std::size_t i = 0; i < active.size(); ++i)
      known += fmt::format("{}{} {} ({}x{})", known.empty() ? "" : ", ", i, active[i].name,
                           active[i].view.width, active[i].view.height);
    return Error{fmt::format("no active output '{}' (active: {})", which, known.empty() ? "none" : known)};
  }
  DrmOutput out;
  out.crtc_id = active[found].crtc_id;
  std::vector<CrtcView> views;
  for (const Active& a : active) views.push_back(a.view);
  const OutputLayout layout = layout_outputs(views);
  out.info.name = active[found].name;
  out.info.rect = layout.outputs[found];
  out.info.desktop = layout.desktop;
  out.info.index = static_cast<std::uint16_t>(std::min<std::size_t>(found, protocol::kMaxOutputs - 1));
  out.info.count =
      static_cast<std::uint16_t>(std::clamp<std::size_t>(active.size(), 1, protocol::kMaxOutputs));
  return out;
}

}  // namespace kagami::capture
