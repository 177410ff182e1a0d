#include "client/overlay.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

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

// "1 socket", "2 sockets".
std::string count(unsigned n, const char* noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

// Every overlay window keeps this far from the window's edges.
constexpr float kMargin = 10.0f;

// Text wider than this wraps, so that a window fits the display (ImGui's auto-resize would
// otherwise grow past the edge and cut the line off).
float wrap_width() { return std::max(100.0f, ImGui::GetIO().DisplaySize.x - 4 * kMargin); }

// ImGui's current context is a process-wide global; every draw thread sets its own inside this.
std::mutex& imgui_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

Overlay::Overlay() {
  std::lock_guard guard(imgui_mutex());
  IMGUI_CHECKVERSION();
  context_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini in the user's working directory
  io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
  ImGui::StyleColorsDark();
}

Overlay::~Overlay() {
  std::lock_guard guard(imgui_mutex());
  ImGui::DestroyContext(context_);
}

std::unique_lock<std::mutex> Overlay::lock() {
  std::unique_lock guard(imgui_mutex());
  ImGui::SetCurrentContext(context_);
  return guard;
}

void Overlay::notify(std::string text, std::uint64_t now_ns) {
  std::lock_guard guard(notice_mutex_);
  notice_ = std::move(text);
  notice_until_ns_ = now_ns + 4'000'000'000ull;
}

ImDrawData* Overlay::build(const OverlayState& state, std::uint64_t now_ns, int points_width,
                           int points_height, int pixels_width, int pixels_height) {
  // What ImGui's SDL platform backend would set, without its SDL calls (mouse capture, focus
  // queries) on the draw thread: the overlay takes no input.
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize =
      ImVec2(static_cast<float>(std::max(points_width, 1)), static_cast<float>(std::max(points_height, 1)));
  io.DisplayFramebufferScale = ImVec2(
      points_width > 0 ? static_cast<float>(pixels_width) / static_cast<float>(points_width) : 1.0f,
      points_height > 0 ? static_cast<float>(pixels_height) / static_cast<float>(points_height) : 1.0f);
  io.DeltaTime = last_build_ns_ && now_ns > last_build_ns_
                     ? std::max(static_cast<float>(now_ns - last_build_ns_) / 1e9f, 1e-4f)
                     : 1.0f / 60.0f;
  last_build_ns_ = now_ns;
  ImGui::NewFrame();
  const bool others = !state.help_only;
  if (others && (!state.connected || !state.have_image || !state.warning.empty())) draw_status(state);
  if (others && state.show_stats) draw_stats(state);
  if (state.show_help) draw_help(state);
  if (others && now_ns < notice_until_ns_) {
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(size.x * 0.5f, size.y - 20.0f), ImGuiCond_Always, ImVec2(0.5f, 1.0f));
    ImGui::SetNextWindowBgAlpha(0.75f);
    ImGui::Begin("##notice", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                     ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoFocusOnAppearing |
                     ImGuiWindowFlags_NoNav);
    ImGui::PushTextWrapPos(wrap_width());
    std::string notice;
    {
      std::lock_guard guard(notice_mutex_);
      notice = notice_;
    }
    ImGui::TextUnformatted(for_font(notice).c_str());
    ImGui::PopTextWrapPos();
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
  ImGui::PushTextWrapPos(wrap_width());
  ImGui::TextUnformatted("kagami");
  ImGui::Separator();
  ImGui::TextUnformatted(for_font(s.status).c_str());
  if (!s.warning.empty())
    ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.3f, 1.0f), "%s", for_font(s.warning).c_str());
  if (!s.region.empty()) ImGui::TextDisabled("region: %s", for_font(s.region).c_str());
  if (!s.view_only_note.empty()) ImGui::TextDisabled("%s", for_font(s.view_only_note).c_str());
  ImGui::TextDisabled("hold %s: key bindings", s.escape_key_name.c_str());
  ImGui::PopTextWrapPos();
  ImGui::End();
}

void Overlay::draw_stats(const OverlayState& s) {
  ImGui::SetNextWindowPos(ImVec2(kMargin, kMargin), ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(0.9f);  // readable over any image, white or busy
  ImGui::Begin("Statistics", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs |
                   ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::Text("%.1f fps   %ux%u %s", s.fps, s.guest_width, s.guest_height, s.frame_type);
  if (!s.renderer.empty()) {  // long ("auto: ...; llvmpipe, host-pointer import ..."): wrapped to fit
    ImGui::PushTextWrapPos(wrap_width());
    ImGui::TextUnformatted(for_font("renderer: " + s.renderer).c_str());
    ImGui::PopTextWrapPos();
  }
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
      ImGui::Text("%s, %s, %s; capture: %s", count(g.vm->cpus, "CPU").c_str(),
                  count(g.vm->cores, "core").c_str(), count(g.vm->sockets, "socket").c_str(),
                  for_font(g.vm->capture).c_str());
    }
  }
  ImGui::End();
}

void Overlay::draw_help(const OverlayState& s) {
  // Fits any window: one column of "key  what" rows, or two side by side when the window is too
  // short, and the font scaled down when even that does not fit.
  const ImVec2 size = ImGui::GetIO().DisplaySize;
  const ImGuiStyle& style = ImGui::GetStyle();
  std::vector<std::pair<std::string, std::string>> rows = {
      {"(tap alone)", "capture / release mouse and keyboard"}};
  for (const KeyHelp& h : key_help()) rows.emplace_back(h.keys, h.what);
  float key_w = 0, what_w = 0;
  for (const auto& [key, what] : rows) {
    key_w = std::max(key_w, ImGui::CalcTextSize(key.c_str()).x);
    what_w = std::max(what_w, ImGui::CalcTextSize(what.c_str()).x);
  }
  const float line_h = ImGui::GetTextLineHeightWithSpacing() + style.CellPadding.y * 2;
  const float pair_w = key_w + what_w + 4 * style.CellPadding.x + style.ItemSpacing.x * 2;
  const float avail_w = size.x - 2 * kMargin - 2 * style.WindowPadding.x;
  const float avail_h = size.y - 2 * kMargin - 2 * style.WindowPadding.y - 2 * line_h;  // title + separator
  const int n = static_cast<int>(rows.size());
  const int columns = static_cast<float>(n) * line_h <= avail_h || 2 * pair_w > avail_w * 1.15f ? 1 : 2;
  const int per_column = (n + columns - 1) / columns;
  const float scale = std::clamp(std::min(avail_h / (static_cast<float>(per_column) * line_h),
                                          avail_w / (static_cast<float>(columns) * pair_w)),
                                 0.4f, 1.0f);

  ImGui::SetNextWindowPos(ImVec2(size.x - kMargin, kMargin), ImGuiCond_Always, ImVec2(1.0f, 0.0f));
  ImGui::SetNextWindowBgAlpha(0.97f);  // over the status screen, whose text must not show through
  ImGui::Begin("Key bindings", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs |
                   ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::SetWindowFontScale(scale);
  ImGui::Text("Hold %s and press:", s.escape_key_name.c_str());
  ImGui::Separator();
  if (ImGui::BeginTable("keys", 2 * columns, ImGuiTableFlags_SizingFixedFit)) {
    for (int r = 0; r < per_column; ++r) {
      ImGui::TableNextRow();
      for (int c = 0; c < columns; ++c) {
        const int i = c * per_column + r;
        if (i >= n) break;
        ImGui::TableNextColumn();
        ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "%s", rows[i].first.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(rows[i].second.c_str());
      }
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace kagami::client
