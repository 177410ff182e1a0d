#include "renderer_backends.h"

#include <cstdlib>

namespace kagami::client::test {

std::vector<RendererBackend> renderer_backends() {
  std::vector<RendererBackend> list = {
      // Each GLES upload path by name (the driver picks one by itself: direct on a software
      // rasteriser such as llvmpipe, persistent PBOs on a GPU with GL_EXT_buffer_storage).
      {"gles_persistent", RendererKind::gles, "persistent", "persistent-mapped PBO ring"},
      {"gles_mapped", RendererKind::gles, "mapped", "mapped PBO ring"},
      {"gles_direct", RendererKind::gles, "direct", "direct from the region"},
  };
#ifdef KAGAMI_HAVE_VULKAN
  // The device must offer the zero-copy import (lavapipe does); vulkan_renderer_test checks it runs.
  list.push_back({"vulkan", RendererKind::vulkan, "", "host-pointer import"});
#endif
  return list;
}

Result<RendererChoice> open_backend(const RendererBackend& backend, const WindowSettings& window) {
  if (backend.gles_upload.empty())
    unsetenv("KAGAMI_GLES_UPLOAD");
  else
    setenv("KAGAMI_GLES_UPLOAD", backend.gles_upload.c_str(), 1);
  auto choice = create_renderer(backend.kind, window, {});
  unsetenv("KAGAMI_GLES_UPLOAD");
  if (!choice) return choice;
  const std::string described = choice->renderer->describe();
  if (described.find(backend.expect_in_describe) == std::string::npos)
    return Error{"expected the upload path '" + backend.expect_in_describe +
                 "', the renderer says: " + described};
  return choice;
}

}  // namespace kagami::client::test
