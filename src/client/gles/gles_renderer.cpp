#include "client/gles/gles_renderer.h"

#include <backends/imgui_impl_opengl3.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "client/latency_trace.h"
#include "common/clock.h"

namespace kagami::client {
namespace {

bool has_extension(const char* name) {
  GLint count = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &count);
  for (GLint i = 0; i < count; ++i) {
    const char* ext = reinterpret_cast<const char*>(glGetStringi(GL_EXTENSIONS, static_cast<GLuint>(i)));
    if (ext && std::strcmp(ext, name) == 0) return true;
  }
  return false;
}

Result<GlesUploadPath> choose_upload_path(std::string& why) {
  const bool storage = has_extension("GL_EXT_buffer_storage") && SDL_GL_GetProcAddress("glBufferStorageEXT");
  const char* forced = std::getenv("KAGAMI_GLES_UPLOAD");
  if (forced && *forced) {
    const std::string f = forced;
    why = "KAGAMI_GLES_UPLOAD=" + f;
    if (f == "direct") return GlesUploadPath::direct;
    if (f == "mapped") return GlesUploadPath::mapped_pbo;
    if (f == "persistent") {
      if (!storage) return Error{"KAGAMI_GLES_UPLOAD=persistent, but the driver lacks GL_EXT_buffer_storage"};
      return GlesUploadPath::persistent_pbo;
    }
    return Error{fmt::format("KAGAMI_GLES_UPLOAD={}: use persistent, mapped or direct", f)};
  }
  // Driver quirk: a software rasteriser's texture upload from a PBO is one more CPU copy (on a GPU
  // it is a DMA), so staging doubles the copies: measured with client_render_bench on llvmpipe,
  // 1080p full change 291 fps direct vs 112 through the PBO ring, 4K 26 vs 16.
  const std::string renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  for (const char* software : {"llvmpipe", "softpipe", "SwiftShader"}) {
    if (renderer.find(software) != std::string::npos) {
      why = fmt::format("{} is a software rasteriser: a PBO would add a CPU copy", software);
      return GlesUploadPath::direct;
    }
  }
  why = storage ? "the driver has GL_EXT_buffer_storage" : "no GL_EXT_buffer_storage";
  return storage ? GlesUploadPath::persistent_pbo : GlesUploadPath::mapped_pbo;
}

}  // namespace

Result<std::unique_ptr<Renderer>> create_gles_renderer(SDL_Window* window, const RendererSettings& settings) {
  return GlesRenderer::create(window, settings);
}

Result<std::unique_ptr<Renderer>> GlesRenderer::create(SDL_Window* window, const RendererSettings& settings) {
  auto context = create_gl_context(window);
  if (!context) return context.error();
  std::unique_ptr<GlesRenderer> r(new GlesRenderer(window, std::move(*context)));
  GLint max_size = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_size);
  if (max_size > 0) r->max_texture_size_ = static_cast<std::uint32_t>(max_size);
  std::string why;
  auto path = choose_upload_path(why);
  if (!path) return path.error();
  r->upload_ = std::make_unique<GlesUpload>(
      *path, settings.wake ? settings.wake : [] {});
  auto frame = FrameDraw::create();
  if (!frame) return frame.error();
  r->frame_ = std::move(*frame);
  auto cursor = CursorDraw::create();
  if (!cursor) return cursor.error();
  r->cursor_ = std::move(*cursor);
  r->description_ = fmt::format(
      "{} ({}), {}, upload: {} ({})", reinterpret_cast<const char*>(glGetString(GL_RENDERER)),
      reinterpret_cast<const char*>(glGetString(GL_VERSION)), r->context_->describe(), to_string(*path), why);
  r->set_vsync(settings.vsync);
  return std::unique_ptr<Renderer>(std::move(r));
}

GlesRenderer::~GlesRenderer() {
  // GL objects go before the context.
  if (imgui_ready_) ImGui_ImplOpenGL3_Shutdown();
  upload_.reset();
  cursor_.reset();
  frame_.reset();
  context_.reset();
}

void GlesRenderer::drawable_size(int& width, int& height) const {
  // Asking the X server (GLX) is a round trip (with SDL's context also a reply that wakes the
  // event thread, which waits on that connection): asked again only when SDL's size moved within
  // the last 500 ms, else at most every 100 ms.
  int sdl_width = 0, sdl_height = 0;
  SDL_GetWindowSizeInPixels(window_, &sdl_width, &sdl_height);
  const std::uint64_t now = monotonic_ns();
  if (sdl_width != size_cache_.sdl_width || sdl_height != size_cache_.sdl_height) {
    size_cache_.sdl_width = sdl_width;
    size_cache_.sdl_height = sdl_height;
    size_cache_.changed_ns = now;
  }
  if (size_cache_.width > 0 && now - size_cache_.changed_ns > 500'000'000 &&
      now - size_cache_.asked_ns < 100'000'000) {
    width = size_cache_.width;
    height = size_cache_.height;
    return;
  }
  query_drawable_size(width, height);
  size_cache_.width = width;
  size_cache_.height = height;
  size_cache_.asked_ns = now;
}

void GlesRenderer::query_drawable_size(int& width, int& height) const {
  // The GL surface's own size: SDL's idea of the window size runs ahead of it while the window
  // system is still resizing (and stays wrong where a request is ignored, e.g. full screen
  // without a window manager), and drawing for the wrong size puts the image off-centre.
  if (context_->drawable_size(width, height)) return;
  SDL_GL_GetDrawableSize(window_, &width, &height);
}

void GlesRenderer::begin_overlay_frame() {
  if (!imgui_ready_) imgui_ready_ = ImGui_ImplOpenGL3_Init("#version 300 es");
  ImGui_ImplOpenGL3_NewFrame();
}

void GlesRenderer::render(const DrawState& s) {
  upload_->commit(false);
  const int w = s.window_width, h = s.window_height;
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(0, 0, w, h);
  const Layout& layout = s.layout;
  const bool have_image = upload_->texture().valid();
  // Clearing is a full pass over the window: only needed where the image leaves bars.
  if (!have_image || layout.dest.x > 0 || layout.dest.y > 0 || layout.dest.width < w ||
      layout.dest.height < h) {
    glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
  }
  if (have_image) {
    frame_->draw(upload_->texture(), rotated(upload_->geometry()), upload_->type(), upload_->flags(), layout,
                 w, h);
    if (s.cursor_visible && cursor_->has_image()) cursor_->draw(s.cursor_x, s.cursor_y, s.cursor_scale, w, h);
  }
  if (s.overlay && imgui_ready_) ImGui_ImplOpenGL3_RenderDrawData(s.overlay);
  // The trace follows a frame's first draw only (later draws of it are redraws).
  const bool traced = latency_trace::enabled() && have_image && upload_->serial() != traced_serial_;
  if (traced) latency_trace::mark(latency_trace::Stage::drawn, upload_->serial());
  context_->swap();
  if (traced) {
    traced_serial_ = upload_->serial();
    latency_trace::mark(latency_trace::Stage::swapped, traced_serial_);
  }
}

void GlesRenderer::set_vsync(bool on) {
  std::string why;
  if (context_->set_swap_interval(on ? 1 : 0, why)) return;
  // Mesa's GLX software rasteriser has no swap interval and never waits for a refresh, so a
  // refused "off" is said at debug level (it keeps the driver's default).
  if (on)
    spdlog::warn("cannot turn vsync on: {}", why);
  else
    spdlog::debug("the driver takes no swap interval ({}): swaps are not held back by it", why);
}

Result<GuestImage> GlesRenderer::read_guest_image() {
  if (!has_frame()) return Error{"no guest image to capture yet"};
  GuestImage out;
  const FrameGeometry g = geometry();
  out.width = g.image_width();
  out.height = g.image_height();
  const auto w = static_cast<GLsizei>(out.width), h = static_cast<GLsizei>(out.height);
  GLuint texture = 0, fbo = 0;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, w, h);
  glGenFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
  std::vector<std::uint8_t> rgba(std::size_t{out.width} * out.height * 4);
  const bool complete = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  if (complete) {
    Layout one_to_one;
    one_to_one.dest = {0, 0, w, h};
    one_to_one.filter = FilterMode::nearest;
    frame_->draw(upload_->texture(), g, upload_->type(), upload_->flags(), one_to_one, w, h);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers(1, &fbo);
  glDeleteTextures(1, &texture);
  if (!complete) return Error{"the GL cannot render the guest image offscreen"};
  // GL rows are bottom-up, but the draw put the image's top at NDC +1, which is the last row read.
  out.rgb.resize(std::size_t{out.width} * out.height * 3);
  for (std::uint32_t y = 0; y < out.height; ++y) {
    const std::uint8_t* src = &rgba[std::size_t{out.height - 1 - y} * out.width * 4];
    std::uint8_t* dst = &out.rgb[std::size_t{y} * out.width * 3];
    for (std::uint32_t x = 0; x < out.width; ++x) {
      dst[x * 3] = src[x * 4];
      dst[x * 3 + 1] = src[x * 4 + 1];
      dst[x * 3 + 2] = src[x * 4 + 2];
    }
  }
  return out;
}

}  // namespace kagami::client
