#include "client/overlay.h"

#include <backends/imgui_impl_sdl.h>
#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "client/key_bindings.h"

namespace kagami::client {
namespace {

// ImGui's built-in font has ASCII only: typographic punctuation becomes its ASCII twin, anything
// else a '?', instead of boxes in the middle of a status line.
std::string for_font(const std::string& text) {
  static const std::pair<const char*, const char*> kReplacements[] = {
      {"\u2014", "-"},  {"\u2013", "-"},   {"\u2018", "'"}, {"\u2019", "'"}, {"\u201c", "\""},
      {"\u201d", "\""}, {"\u2026", "..."}, {"\u00d7", "x"}, {"\u2192", "->"}};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += text[i++];
      continue;
    }
    bool replaced = false;
    for (const auto& [from, to] : kReplacements) {
      if (text.compare(i, std::strlen(from), from) == 0) {
        out += to;
        i += std::strlen(from);
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    out += '?';
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
      ++i;  // rest of the sequence
  }
  return out;
}

}  // namespace

Overlay::Overlay(SDL_Window* window) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini in the user's working directory
  io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
  ImGui::StyleColorsDark();
  // The platform side only (events, display size); the renderer owns ImGui's renderer backend.
  ImGui_ImplSDL2_InitForOpenGL(window, nullptr);
}

Overlay::~Overlay() {
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
}

void Overlay::process_event(const SDL_Event& event) { ImGui_ImplSDL2_ProcessEvent(&event); }

void Overlay::notify(std::string text, std::uint64_t now_ns) {
  notice_ = std::move(text);
  notice_until_ns_ = now_ns + 4'000'000'000ull;
}

bool Overlay::animating(std::uint64_t now_ns) const { return now_ns < notice_until_ns_ + 200'000'000ull; }

ImDrawData* Overlay::build(const OverlayState& state, std::uint64_t now_ns) {
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
  if (!state.connected || !state.have_image || !state.warning.empty()) draw_status(state);
  if (state.show_stats) draw_stats(state);
  if (state.show_help) draw_help(state);
  if (now_ns < notice_until_ns_) {
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(size.x * 0.5f, size.y - 20.0f), ImGuiCond_Always, ImVec2(0.5f, 1.0f));
    ImGui::SetNextWindowBgAlpha(0.75f);
    ImGui::Begin("##notice", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                     ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoFocusOnAppearing |
                     ImGuiWindowFlags_NoNav);
    ImGui::TextUnformatted(for_font(notice_).c_str());
    ImGui::End();
  }
  ImGui::Render();
  return ImGui::GetDrawData();
}

void Overlay::draw_status(const OverlayState& s) {
  const ImVec2 size = ImGui::GetIO().DisplaySize;
  // Over the last image (the agent stopped) a banner low in the window, clear of the statistics
  // and the help at the top; on an empty window, the centre.
  const bool banner = s.have_image;
  ImGui::SetNextWindowPos(
      banner ? ImVec2(size.x * 0.5f, size.y - 60.0f) : ImVec2(size.x * 0.5f, size.y * 0.5f), ImGuiCond_Always,
      banner ? ImVec2(0.5f, 1.0f) : ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.85f);
  ImGui::Begin("##status", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs |
                   ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::TextUnformatted("kagami");
  ImGui::Separator();
  ImGui::TextUnformatted(for_font(s.status).c_str());
  if (!s.warning.empty())
    ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.3f, 1.0f), "%s", for_font(s.warning).c_str());
  if (!s.region.empty()) ImGui::TextDisabled("region: %s", for_font(s.region).c_str());
  if (!s.view_only_note.empty()) ImGui::TextDisabled("%s", s.view_only_note.c_str());
  ImGui::TextDisabled("%s + F1: key bindings", s.escape_key_name.c_str());
  ImGui::End();
}

void Overlay::draw_stats(const OverlayState& s) {
  ImGui::SetNextWindowPos(ImVec2(10.0f, 10.0f), ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(0.7f);
  ImGui::Begin("Statistics", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs |
                   ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::Text("%.1f fps   %ux%u %s", s.fps, s.guest_width, s.guest_height, s.frame_type);
  if (!s.renderer.empty()) ImGui::TextUnformatted(for_font("renderer: " + s.renderer).c_str());
  if (s.stats && s.stats->count() > 0) {
    const int n = static_cast<int>(s.stats->count());
    const float* intervals = s.stats->intervals_ms();
    const float* latencies = s.stats->latencies_ms();
    const float max_interval = *std::max_element(intervals, intervals + n);
    const float max_latency = *std::max_element(latencies, latencies + n);
    const std::string interval_label =
        fmt::format("interval (last {:.1f} ms, max {:.1f})", intervals[n - 1], max_interval);
    ImGui::PlotLines("##interval", intervals, n, 0, interval_label.c_str(), 0.0f,
                     std::max(34.0f, max_interval), ImVec2(320, 60));
    const std::string latency_label =
        fmt::format("receive->present (last {:.2f} ms, max {:.2f})", latencies[n - 1], max_latency);
    ImGui::PlotLines("##latency", latencies, n, 0, latency_label.c_str(), 0.0f, std::max(5.0f, max_latency),
                     ImVec2(320, 60));
  }
  if (s.rejected_frames)
    ImGui::Text("frames rejected by validation: %llu", static_cast<unsigned long long>(s.rejected_frames));
  if (s.guest) {
    const auto& g = *s.guest;
    ImGui::Separator();
    ImGui::Text("agent: %s", g.host_version.empty() ? "(unknown)" : for_font(g.host_version).c_str());
    if (g.os) ImGui::Text("guest OS: %s %s", protocol::os_name(g.os->os), for_font(g.os->name).c_str());
    if (g.vm) {
      ImGui::Text("CPU: %s", for_font(g.vm->model).c_str());
      ImGui::Text("%u CPUs, %u cores, %u sockets; capture: %s", g.vm->cpus, g.vm->cores, g.vm->sockets,
                  for_font(g.vm->capture).c_str());
    }
  }
  ImGui::End();
}

void Overlay::draw_help(const OverlayState& s) {
  const ImVec2 size = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(size.x - 10.0f, 10.0f), ImGuiCond_Always, ImVec2(1.0f, 0.0f));
  ImGui::SetNextWindowBgAlpha(0.85f);
  ImGui::Begin("Key bindings", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs |
                   ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::Text("Hold %s and press:", s.escape_key_name.c_str());
  ImGui::Separator();
  ImGui::Text("%-6s %s", "alone", "tap it: capture / release mouse and keyboard for the guest");
  for (const KeyBinding& b : key_bindings()) {
    ImGui::Text("%-6s %s", SDL_GetScancodeName(b.key), b.description);
  }
  ImGui::End();
}

}  // namespace kagami::client
