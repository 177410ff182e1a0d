#include "spice/clipboard_bridge.h"

#include <spdlog/spdlog.h>
#include <spice-client.h>
#include <spice/vd_agent.h>

#include <array>

namespace kagami::spice {
namespace {

constexpr guint kSelection = VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD;

guint agent_type(ClipboardType type) {
  switch (type) {
    case ClipboardType::Text:
      return VD_AGENT_CLIPBOARD_UTF8_TEXT;
    case ClipboardType::Png:
      return VD_AGENT_CLIPBOARD_IMAGE_PNG;
    case ClipboardType::Bmp:
      return VD_AGENT_CLIPBOARD_IMAGE_BMP;
    case ClipboardType::Jpeg:
      return VD_AGENT_CLIPBOARD_IMAGE_JPG;
    case ClipboardType::Tiff:
      return VD_AGENT_CLIPBOARD_IMAGE_TIFF;
  }
  return VD_AGENT_CLIPBOARD_NONE;
}

// In order of preference when the guest offers several.
constexpr std::array kPreferred = {ClipboardType::Text, ClipboardType::Png, ClipboardType::Bmp,
                                   ClipboardType::Jpeg, ClipboardType::Tiff};

std::optional<ClipboardType> from_agent_type(guint type) {
  for (ClipboardType t : kPreferred) {
    if (agent_type(t) == type) return t;
  }
  return std::nullopt;
}

}  // namespace

ClipboardBridge::ClipboardBridge(ClipboardOptions options, StatusBoard& status)
    : options_(options), status_(status) {}

void ClipboardBridge::attach(SpiceMainChannel* main) {
  main_ = main;
  host_grabbed_ = false;
  if (!options_.enabled) return;
  // Tell the agent our limit so it does not send more (spice-client-glib passes it on).
  g_object_set(main, "max-clipboard", static_cast<gint>(options_.max_bytes), nullptr);
  g_signal_connect(main, "main-clipboard-selection-grab", G_CALLBACK(&on_guest_grab), this);
  g_signal_connect(main, "main-clipboard-selection", G_CALLBACK(&on_guest_data), this);
  g_signal_connect(main, "main-clipboard-selection-request", G_CALLBACK(&on_guest_request), this);
  g_signal_connect(main, "main-clipboard-selection-release", G_CALLBACK(&on_guest_release), this);
  g_signal_connect(main, "main-agent-update", G_CALLBACK(&on_agent_update), this);
}

void ClipboardBridge::detach() {
  if (main_) g_signal_handlers_disconnect_by_data(main_, this);
  main_ = nullptr;
  host_grabbed_ = false;
}

void ClipboardBridge::set_handlers(Session::ClipboardHandler on_data,
                                   Session::ClipboardReleaseHandler on_release) {
  on_data_ = std::move(on_data);
  on_release_ = std::move(on_release);
}

bool ClipboardBridge::agent_ready() const {
  if (!main_) return false;
  gboolean connected = FALSE;
  g_object_get(main_, "agent-connected", &connected, nullptr);
  // spice-client-glib ignores clipboard calls until the agent announced its capabilities.
  return connected && spice_main_channel_agent_test_capability(main_, VD_AGENT_CAP_CLIPBOARD_BY_DEMAND);
}

void ClipboardBridge::set_host(ClipboardData data) {
  if (!options_.enabled || !options_.to_guest) return;
  if (data.bytes.size() > options_.max_bytes) {
    spdlog::warn("spice: host clipboard of {} bytes is over the {} byte limit; not offered to the guest",
                 data.bytes.size(), options_.max_bytes);
    status_.update([](SessionStatus& s) { ++s.clipboard_rejected; });
    return;
  }
  if (last_from_guest_ && *last_from_guest_ == data) return;  // our own echo of the guest's content
  host_ = std::move(data);
  host_grabbed_ = false;
  grab_for_guest();
}

void ClipboardBridge::release_host() {
  if (!host_) return;
  host_.reset();
  if (host_grabbed_ && agent_ready()) spice_main_channel_clipboard_selection_release(main_, kSelection);
  host_grabbed_ = false;
}

void ClipboardBridge::grab_for_guest() {
  if (!host_ || host_grabbed_ || !agent_ready()) return;  // retried on main-agent-update
  guint32 type = agent_type(host_->type);
  spice_main_channel_clipboard_selection_grab(main_, kSelection, &type, 1);
  host_grabbed_ = true;
}

void ClipboardBridge::on_agent_update(SpiceMainChannel*, void* self) {
  static_cast<ClipboardBridge*>(self)->grab_for_guest();
}

int ClipboardBridge::on_guest_grab(SpiceMainChannel* main, unsigned selection, unsigned* types,
                                   unsigned ntypes, void* self_ptr) {
  auto* self = static_cast<ClipboardBridge*>(self_ptr);
  if (selection != kSelection) return FALSE;
  self->host_.reset();  // the guest owns the clipboard now
  self->host_grabbed_ = false;
  if (!self->options_.to_host) return TRUE;  // one way only: nothing is fetched from the guest
  for (ClipboardType wanted : kPreferred) {
    for (unsigned i = 0; i < ntypes; ++i) {
      if (types[i] == agent_type(wanted)) {
        spice_main_channel_clipboard_selection_request(main, selection, types[i]);
        return TRUE;
      }
    }
  }
  spdlog::debug("spice: guest clipboard offers no type kagami handles");
  return TRUE;
}

void ClipboardBridge::on_guest_data(SpiceMainChannel*, unsigned selection, unsigned type, const uint8_t* data,
                                    unsigned size, void* self_ptr) {
  auto* self = static_cast<ClipboardBridge*>(self_ptr);
  auto kind = from_agent_type(type);
  if (selection != kSelection || !kind) return;
  if (size > self->options_.max_bytes) {
    spdlog::warn("spice: guest clipboard of {} bytes is over the {} byte limit; ignored", size,
                 self->options_.max_bytes);
    self->status_.update([](SessionStatus& s) { ++s.clipboard_rejected; });
    return;
  }
  ClipboardData content{*kind, std::vector<uint8_t>(data, data + size)};
  self->last_from_guest_ = content;
  self->status_.update([](SessionStatus& s) { ++s.clipboard_from_guest; });
  if (self->on_data_) self->on_data_(std::move(content));
}

int ClipboardBridge::on_guest_request(SpiceMainChannel* main, unsigned selection, unsigned type,
                                      void* self_ptr) {
  auto* self = static_cast<ClipboardBridge*>(self_ptr);
  if (selection != kSelection || !self->host_ || agent_type(self->host_->type) != type) return FALSE;
  spice_main_channel_clipboard_selection_notify(main, selection, type, self->host_->bytes.data(),
                                                self->host_->bytes.size());
  self->status_.update([](SessionStatus& s) { ++s.clipboard_to_guest; });
  return TRUE;
}

void ClipboardBridge::on_guest_release(SpiceMainChannel*, unsigned selection, void* self_ptr) {
  auto* self = static_cast<ClipboardBridge*>(self_ptr);
  if (selection != kSelection) return;
  if (self->on_release_) self->on_release_();
}

}  // namespace kagami::spice
