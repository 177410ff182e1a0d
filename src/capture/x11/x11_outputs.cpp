#include "capture/x11/x11_outputs.h"

#include <fmt/format.h>
#include <xcb/randr.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>

namespace kagami::capture {

namespace {

template <class T>
std::unique_ptr<T, decltype(&std::free)> owned(T* p) {
  return {p, &std::free};
}

std::string atom_name(xcb_connection_t* conn, xcb_atom_t atom) {
  auto r = owned(xcb_get_atom_name_reply(conn, xcb_get_atom_name(conn, atom), nullptr));
  if (!r) return {};
  return std::string(xcb_get_atom_name_name(r.get()),
                     static_cast<std::size_t>(xcb_get_atom_name_name_length(r.get())));
}

}  // namespace

Result<std::vector<X11Monitor>> list_monitors(xcb_connection_t* conn, xcb_window_t root) {
  const xcb_query_extension_reply_t* ext = xcb_get_extension_data(conn, &xcb_randr_id);
  if (!ext || !ext->present) return Error{"the X server has no RandR extension (needed for --output)"};
  auto version = owned(xcb_randr_query_version_reply(conn, xcb_randr_query_version(conn, 1, 5), nullptr));
  if (!version || (version->major_version == 1 && version->minor_version < 5))
    return Error{"the X server's RandR is older than 1.5 (no monitors; needed for --output)"};
  auto reply = owned(xcb_randr_get_monitors_reply(conn, xcb_randr_get_monitors(conn, root, 1), nullptr));
  if (!reply) return Error{"the X server did not list its RandR monitors"};
  std::vector<X11Monitor> out;
  for (auto it = xcb_randr_get_monitors_monitors_iterator(reply.get()); it.rem;
       xcb_randr_monitor_info_next(&it)) {
    const xcb_randr_monitor_info_t* m = it.data;
    out.push_back(X11Monitor{atom_name(conn, m->name), m->x, m->y, m->width, m->height});
  }
  return out;
}

Result<protocol::OutputInfo> pick_monitor(const std::vector<X11Monitor>& monitors, const std::string& which,
                                          std::uint32_t root_width, std::uint32_t root_height) {
  std::size_t found = monitors.size();
  for (std::size_t i = 0; i < monitors.size(); ++i) {
    if (monitors[i].name == which) found = i;
  }
  if (found == monitors.size()) {
    std::size_t index = 0;
    const auto [end, ec] = std::from_chars(which.data(), which.data() + which.size(), index);
    if (ec == std::errc{} && end == which.data() + which.size() && index < monitors.size()) found = index;
  }
  if (found == monitors.size()) {
    std::string known;
    for (std::size_t i = 0; i < monitors.size(); ++i) {
      const X11Monitor& m = monitors[i];
      known += fmt::format("{}{} {} ({}x{}+{}+{})", known.empty() ? "" : ", ", i, m.name, m.width, m.height,
                           m.x, m.y);
    }
    return Error{fmt::format("the X server has no output '{}' (its outputs: {})", which,
                             known.empty() ? "none" : known)};
  }
  const X11Monitor& m = monitors[found];
  protocol::OutputInfo o;
  o.name = m.name;
  o.rect = {m.x, m.y, m.width, m.height};
  o.desktop = {0, 0, root_width, root_height};
  o.index = static_cast<std::uint16_t>(std::min<std::size_t>(found, protocol::kMaxOutputs - 1));
  o.count = static_cast<std::uint16_t>(std::clamp<std::size_t>(monitors.size(), 1, protocol::kMaxOutputs));
  // A monitor partly off the root (a stale layout) is cut to it: only the root can be read.
  const std::int64_t right = std::min<std::int64_t>(std::int64_t{m.x} + m.width, root_width);
  const std::int64_t bottom = std::min<std::int64_t>(std::int64_t{m.y} + m.height, root_height);
  if (m.x < 0 || m.y < 0 || right <= m.x || bottom <= m.y)
    return Error{fmt::format("output '{}' ({}x{}+{}+{}) lies outside the screen {}x{}", m.name, m.width,
                             m.height, m.x, m.y, root_width, root_height)};
  o.rect.width = static_cast<std::uint32_t>(right - m.x);
  o.rect.height = static_cast<std::uint32_t>(bottom - m.y);
  return o;
}

}  // namespace kagami::capture
