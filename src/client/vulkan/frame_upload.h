#pragma once
// The frame image and the upload into it (frame thread). Each damage band (plan_upload) is
// copied with vkCmdCopyBufferToImage once the agent's write pointer has passed it: from the
// region itself when it can be imported (HostImports: zero CPU copies), else from a host-visible
// staging buffer the CPU fills. Bands are submitted in chunks of a few MiB as they become ready,
// so the GPU copies while the agent still writes; upload() returns after a fence says every copy
// finished, when the region's bytes are no longer needed.
//
// Two images, so the render thread always samples a whole frame: the upload writes the one not
// shown (first catching it up with the bands the previous upload wrote into the other, a GPU
// image-to-image copy skipped when this upload is full), and publish() makes it the shown one.
// Both stay in VK_IMAGE_LAYOUT_GENERAL: a copy may read the shown image while a draw samples it.
// Both threads submit to one queue; its submission order and the barriers here keep copies and
// draws apart. The owner (VulkanRenderer) calls make_image/release with the queue idle and the
// render thread shut out, and publish() under the lock the render thread draws with.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/renderer.h"
#include "client/vulkan/frame_formats.h"
#include "client/vulkan/host_imports.h"
#include "client/vulkan/vk_resources.h"

namespace kagami::client::vk {

enum class UploadPath { none, host_import, staging };

class FrameUpload {
 public:
  static Result<std::unique_ptr<FrameUpload>> create(Device& device);
  ~FrameUpload();
  FrameUpload(const FrameUpload&) = delete;
  FrameUpload& operator=(const FrameUpload&) = delete;

  // True when `frame` needs a new image (type or a size changed, or none yet).
  bool needs_image(const protocol::ValidatedFrame& frame) const;
  // Makes the image for `frame` (black; the next upload must be full). The caller guarantees
  // that nothing on the GPU uses the old one.
  Result<void> make_image(const protocol::ValidatedFrame& frame);
  // Forgets the image and the imported spans (the caller guarantees the GPU is idle).
  void release();
  // Drops the imported spans (the region may go away) and makes the next upload full.
  void forget_imports() {
    imports_.clear();
    force_full_ = true;
  }

  // Writes the frame into the image not shown; the caller then publishes it.
  UploadStats upload(const FrameSource& source);
  // Whether the last upload completed (else the caller must not publish it).
  bool last_ok() const { return last_ok_; }
  // The image the last upload wrote becomes the shown one.
  void publish() { shown_ = 1 - shown_; }

  bool has_image() const { return static_cast<bool>(images_[0]); }
  const Image& shown() const { return images_[shown_]; }
  const Image& image(int index) const { return images_[index]; }
  int shown_index() const { return shown_; }
  // Changes whenever make_image made new images (descriptor sets must be rewritten).
  std::uint64_t generation() const { return generation_; }
  // Which source the last upload read, and why not the import when it was the staging buffer.
  UploadPath last_path() const { return last_path_; }
  const std::string& staging_reason() const { return staging_reason_; }

 private:
  explicit FrameUpload(Device& device) : device_(device), imports_(device) {}
  VkCommandBuffer command_buffer(std::size_t index);
  Result<void> submit(VkCommandBuffer cmd, bool last);
  void catch_up(VkCommandBuffer cmd, const Image& from, const Image& to);

  Device& device_;
  HostImports imports_;
  VkCommandPool pool_ = VK_NULL_HANDLE;  // frame thread's own pool
  std::vector<VkCommandBuffer> commands_;
  VkFence fence_ = VK_NULL_HANDLE;
  Buffer staging_;
  Image images_[2];
  int shown_ = 0;
  std::uint64_t generation_ = 0;
  bool force_full_ = false;  // new images, or a failed upload: the next upload is full
  // What the last upload wrote (image texels), for the next one's catch-up; all: everything.
  std::vector<VkImageCopy> last_regions_;
  bool last_all_ = true;
  protocol::FrameType type_ = protocol::FrameType::invalid;
  std::uint32_t data_width_ = 0, data_height_ = 0, frame_width_ = 0, frame_height_ = 0;
  UploadPath last_path_ = UploadPath::none;
  bool last_ok_ = false;
  std::string staging_reason_;
};

}  // namespace kagami::client::vk
