#include "capture/drm/egl_reader.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>
#include <fmt/format.h>
#include <gbm.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>

namespace kagami::capture {

namespace {

bool has_extension(const char* list, const char* name) {
  if (!list) return false;
  const std::size_t n = std::strlen(name);
  for (const char* p = list; (p = std::strstr(p, name)) != nullptr; p += n) {
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
  }
  return false;
}

// The EGL attribute names of plane i (i < 4).
struct PlaneAttributes {
  EGLint fd, offset, pitch, modifier_lo, modifier_hi;
};
constexpr PlaneAttributes kPlanes[4] = {
    {EGL_DMA_BUF_PLANE0_FD_EXT, EGL_DMA_BUF_PLANE0_OFFSET_EXT, EGL_DMA_BUF_PLANE0_PITCH_EXT,
     EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT},
    {EGL_DMA_BUF_PLANE1_FD_EXT, EGL_DMA_BUF_PLANE1_OFFSET_EXT, EGL_DMA_BUF_PLANE1_PITCH_EXT,
     EGL_DMA_BUF_PLANE1_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE1_MODIFIER_HI_EXT},
    {EGL_DMA_BUF_PLANE2_FD_EXT, EGL_DMA_BUF_PLANE2_OFFSET_EXT, EGL_DMA_BUF_PLANE2_PITCH_EXT,
     EGL_DMA_BUF_PLANE2_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE2_MODIFIER_HI_EXT},
    {EGL_DMA_BUF_PLANE3_FD_EXT, EGL_DMA_BUF_PLANE3_OFFSET_EXT, EGL_DMA_BUF_PLANE3_PITCH_EXT,
     EGL_DMA_BUF_PLANE3_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE3_MODIFIER_HI_EXT},
};

class EglReader final : public GpuReader {
 public:
  ~EglReader() override {
    if (display_ != EGL_NO_DISPLAY) {
      for (auto& [key, import] : imports_) release(import);
      eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
      if (context_ != EGL_NO_CONTEXT) eglDestroyContext(display_, context_);
      eglTerminate(display_);
    }
    if (gbm_) gbm_device_destroy(gbm_);
  }

  Result<void> init(int drm_fd) {
    gbm_ = gbm_create_device(drm_fd);
    if (!gbm_) return Error{"cannot create a GBM device on the DRM card"};
    const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (!has_extension(client, "EGL_KHR_platform_gbm") && !has_extension(client, "EGL_MESA_platform_gbm")) {
      return Error{"EGL has no GBM platform (EGL_KHR_platform_gbm)"};
    }
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gbm_, nullptr);
    if (display_ == EGL_NO_DISPLAY || !eglInitialize(display_, nullptr, nullptr)) {
      display_ = EGL_NO_DISPLAY;
      return Error{"eglInitialize failed on the DRM card"};
    }
    const char* ext = eglQueryString(display_, EGL_EXTENSIONS);
    for (const char* need :
         {"EGL_EXT_image_dma_buf_import", "EGL_KHR_surfaceless_context", "EGL_KHR_no_config_context"}) {
      if (!has_extension(ext, need)) return Error{fmt::format("the GPU's EGL lacks {}", need)};
    }
    modifiers_ = has_extension(ext, "EGL_EXT_image_dma_buf_import_modifiers");
    if (!eglBindAPI(EGL_OPENGL_ES_API)) return Error{"EGL has no OpenGL ES"};
    const EGLint attributes[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
    context_ = eglCreateContext(display_, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attributes);
    if (context_ == EGL_NO_CONTEXT || !eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_)) {
      return Error{
          fmt::format("cannot make a surfaceless GLES context current (EGL error {:#x})", eglGetError())};
    }
    const auto* gl_ext = reinterpret_cast<const char*>(glGetString(GL_EXTENSIONS));
    if (!has_extension(gl_ext, "GL_OES_EGL_image")) return Error{"the GPU's GLES lacks GL_OES_EGL_image"};
    bgra_ = has_extension(gl_ext, "GL_EXT_read_format_bgra");
    create_image_ = reinterpret_cast<PFNEGLCREATEIMAGEKHRPROC>(eglGetProcAddress("eglCreateImageKHR"));
    destroy_image_ = reinterpret_cast<PFNEGLDESTROYIMAGEKHRPROC>(eglGetProcAddress("eglDestroyImageKHR"));
    target_texture_ = reinterpret_cast<PFNGLEGLIMAGETARGETTEXTURE2DOESPROC>(
        eglGetProcAddress("glEGLImageTargetTexture2DOES"));
    if (!create_image_ || !destroy_image_ || !target_texture_) return Error{"EGL image entry points missing"};
    return {};
  }

  Result<void> read(const DmabufImage& image, std::byte* out, std::uint32_t pitch) override {
    auto it = imports_.find(image.key);
    if (it == imports_.end()) {
      if (imports_.size() >= 4) {  // a compositor that allocates new buffers: do not hoard
        for (auto& [key, import] : imports_) release(import);
        imports_.clear();
      }
      auto import = import_image(image);
      if (!import) return import.error();
      it = imports_.emplace(image.key, *import).first;
    }
    glBindFramebuffer(GL_FRAMEBUFFER, it->second.framebuffer);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    // GLES 2 has no GL_PACK_ROW_LENGTH: read into rows of exactly width * 4, which is what the
    // drm backend's private copy uses.
    if (pitch != image.width * 4) return Error{"GPU readback needs a tightly packed destination"};
    glReadPixels(0, 0, static_cast<GLsizei>(image.width), static_cast<GLsizei>(image.height),
                 bgra_ ? GL_BGRA_EXT : GL_RGBA, GL_UNSIGNED_BYTE, out);
    if (const GLenum e = glGetError(); e != GL_NO_ERROR)
      return Error{fmt::format("glReadPixels failed ({:#x})", e)};
    if (!bgra_) {
      for (std::size_t i = 0; i < std::size_t{image.width} * image.height; ++i)
        std::swap(out[i * 4], out[i * 4 + 2]);
    }
    return {};
  }

  void forget(std::uint32_t key) override {
    auto it = imports_.find(key);
    if (it == imports_.end()) return;
    release(it->second);
    imports_.erase(it);
  }

 private:
  struct Import {
    EGLImageKHR image = EGL_NO_IMAGE_KHR;
    GLuint texture = 0, framebuffer = 0;
  };

  Result<Import> import_image(const DmabufImage& image) {
    if (image.planes.empty() || image.planes.size() > 4) return Error{"a dma-buf needs 1 to 4 planes"};
    if (image.has_modifier && !modifiers_) {
      return Error{"the GPU's EGL cannot import modifiers (no EGL_EXT_image_dma_buf_import_modifiers)"};
    }
    std::vector<EGLint> attributes = {EGL_WIDTH,
                                      static_cast<EGLint>(image.width),
                                      EGL_HEIGHT,
                                      static_cast<EGLint>(image.height),
                                      EGL_LINUX_DRM_FOURCC_EXT,
                                      static_cast<EGLint>(image.fourcc)};
    for (std::size_t i = 0; i < image.planes.size(); ++i) {
      const PlaneAttributes& a = kPlanes[i];
      attributes.insert(attributes.end(),
                        {a.fd, image.planes[i].fd, a.offset, static_cast<EGLint>(image.planes[i].offset),
                         a.pitch, static_cast<EGLint>(image.planes[i].pitch)});
      if (image.has_modifier) {
        attributes.insert(attributes.end(), {a.modifier_lo, static_cast<EGLint>(image.modifier & 0xffffffffu),
                                             a.modifier_hi, static_cast<EGLint>(image.modifier >> 32)});
      }
    }
    attributes.push_back(EGL_NONE);
    Import import;
    import.image = create_image_(display_, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, nullptr, attributes.data());
    if (import.image == EGL_NO_IMAGE_KHR) {
      return Error{fmt::format("the GPU cannot import this scanout buffer (EGL error {:#x})", eglGetError())};
    }
    glGenTextures(1, &import.texture);
    glBindTexture(GL_TEXTURE_2D, import.texture);
    target_texture_(GL_TEXTURE_2D, import.image);
    glGenFramebuffers(1, &import.framebuffer);
    glBindFramebuffer(GL_FRAMEBUFFER, import.framebuffer);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, import.texture, 0);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
      release(import);
      return Error{"the imported scanout buffer cannot be read as a framebuffer"};
    }
    return import;
  }

  void release(Import& import) {
    if (import.framebuffer) glDeleteFramebuffers(1, &import.framebuffer);
    if (import.texture) glDeleteTextures(1, &import.texture);
    if (import.image != EGL_NO_IMAGE_KHR) destroy_image_(display_, import.image);
    import = {};
  }

  gbm_device* gbm_ = nullptr;
  EGLDisplay display_ = EGL_NO_DISPLAY;
  EGLContext context_ = EGL_NO_CONTEXT;
  bool modifiers_ = false, bgra_ = false;
  PFNEGLCREATEIMAGEKHRPROC create_image_ = nullptr;
  PFNEGLDESTROYIMAGEKHRPROC destroy_image_ = nullptr;
  PFNGLEGLIMAGETARGETTEXTURE2DOESPROC target_texture_ = nullptr;
  std::map<std::uint32_t, Import> imports_;
};

}  // namespace

Result<std::unique_ptr<GpuReader>> make_egl_reader(int drm_fd) {
  auto reader = std::make_unique<EglReader>();
  if (auto r = reader->init(drm_fd); !r) return r.error();
  return std::unique_ptr<GpuReader>(std::move(reader));
}

}  // namespace kagami::capture
