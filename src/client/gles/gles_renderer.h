#pragma once
// The GLES 3 backend: owns the GL context (gl_context.h) on the render thread, the frame
// texture fed by GlesUpload (gles_upload.h: staging PBO ring filled by the frame thread), the
// frame and cursor draws, Dear ImGui's OpenGL3 renderer and the swap.
#include <SDL2/SDL.h>

#include <memory>
#include <string>

#include "client/gles/cursor_draw.h"
#include "client/gles/frame_draw.h"
#include "client/gles/gl_context.h"
#include "client/gles/gles_upload.h"
#include "client/renderer_factory.h"

namespace kagami::client {

class GlesRenderer final : public Renderer {
 public:
  // The upload path: the best the driver has, unless KAGAMI_GLES_UPLOAD names one
  // (persistent / mapped / direct: tests and benchmarks force each path that way).
  static Result<std::unique_ptr<Renderer>> create(SDL_Window* window, const RendererSettings& settings);
  ~GlesRenderer() override;

  std::string_view name() const override { return "gles"; }
  std::string describe() const override { return description_; }
  UploadStats upload(const FrameSource& source) override { return upload_->upload(source); }
  std::uint32_t max_texture_size() const override { return max_texture_size_; }

  void attach_render_thread() override { context_->make_current(); }
  void detach_render_thread() override { context_->release(); }
  void drawable_size(int& width, int& height) const override;
  void begin_overlay_frame() override;
  // Both take in what the frame thread staged (GlesUpload::commit), so the geometry is the newest.
  bool has_frame() const override {
    upload_->commit(true);
    return upload_->texture().valid();
  }
  FrameGeometry geometry() const override {
    upload_->commit(true);
    return rotated(upload_->geometry());
  }
  bool frame_pending() const override { return upload_->pending(); }
  void reset() override { upload_->reset(); }
  void set_user_rotation(int quarter_turns) override { user_rotation_ = ((quarter_turns % 4) + 4) % 4; }
  void set_cursor(const CursorImage& image) override { cursor_->set_image(image); }
  void render(const DrawState& state) override;
  void set_vsync(bool on) override;
  Result<GuestImage> read_guest_image() override;

 private:
  GlesRenderer(SDL_Window* window, std::unique_ptr<GlContext> context)
      : window_(window), context_(std::move(context)) {}
  void query_drawable_size(int& width, int& height) const;

  SDL_Window* window_;
  std::unique_ptr<GlContext> context_;
  std::uint32_t max_texture_size_ = 4096;
  std::string description_;
  std::unique_ptr<GlesUpload> upload_;
  std::unique_ptr<FrameDraw> frame_;
  std::unique_ptr<CursorDraw> cursor_;
  bool imgui_ready_ = false;
  int user_rotation_ = 0;              // quarter turns clockwise on top of the frame's rotation
  std::uint32_t traced_serial_ = ~0u;  // the last frame whose first draw went to the latency trace
  struct SizeCache {  // drawable_size(): the last answer, and SDL's size then (render thread)
    int width = 0, height = 0, sdl_width = 0, sdl_height = 0;
    std::uint64_t changed_ns = 0, asked_ns = 0;
  };
  mutable SizeCache size_cache_;

  FrameGeometry rotated(FrameGeometry g) const {
    g.rotation = static_cast<protocol::FrameRotation>((static_cast<int>(g.rotation) + user_rotation_) % 4);
    return g;
  }
};

}  // namespace kagami::client
