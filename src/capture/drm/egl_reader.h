#pragma once
// GpuReader through EGL on the DRM device's GBM: EGL_EXT_image_dma_buf_import(_modifiers)
// imports the planes, GL_OES_EGL_image binds the image to a texture, a framebuffer object and
// glReadPixels read it back (GL_BGRA_EXT where the driver offers it, else RGBA swapped).
// Surfaceless GLES 2 context, made current on the capture thread only.
#include "capture/drm/gpu_reader.h"

namespace kagami::capture {

Result<std::unique_ptr<GpuReader>> make_egl_reader(int drm_fd);

}  // namespace kagami::capture
