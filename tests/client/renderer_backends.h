#pragma once
// The renderer backends the client tests run on: each pixel-exact renderer and end-to-end test is
// instantiated once per entry. GLES runs with each of its upload paths (KAGAMI_GLES_UPLOAD); the
// Vulkan backend joins the list when the build has it (KAGAMI_HAVE_VULKAN, src/client/vulkan/).
#include <ostream>
#include <string>
#include <vector>

#include "client/renderer_factory.h"

namespace kagami::client::test {

struct RendererBackend {
  std::string name;                // test name suffix, e.g. "gles_direct"
  RendererKind kind;               // what --renderer asks for
  std::string gles_upload;         // KAGAMI_GLES_UPLOAD ("" = the driver's best)
  std::string expect_in_describe;  // Renderer::describe() must say this path ran, not a fallback
  // The client's command line for this backend (end-to-end tests).
  std::vector<std::string> client_args() const { return {"--renderer", to_string(kind)}; }
  // The environment the client needs for it ("NAME=value", or "" for none).
  std::string client_env() const { return gles_upload.empty() ? "" : "KAGAMI_GLES_UPLOAD=" + gles_upload; }
};

std::vector<RendererBackend> renderer_backends();

// GoogleTest prints a parameter with this (instead of its bytes).
inline void PrintTo(const RendererBackend& backend, std::ostream* os) { *os << backend.name; }

// Creates the window and renderer for `backend` (sets or clears KAGAMI_GLES_UPLOAD first) and
// checks that describe() names the expected upload path.
Result<RendererChoice> open_backend(const RendererBackend& backend, const WindowSettings& window);

}  // namespace kagami::client::test
