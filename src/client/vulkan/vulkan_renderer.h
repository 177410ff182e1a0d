#pragma once
// The Vulkan backend of the Renderer seam (client/renderer.h): zero-copy upload from the mapped
// region (VK_EXT_external_memory_host, else a staging buffer), the frame/cursor/overlay passes,
// and a swapchain on an SDL_WINDOW_VULKAN window, or an offscreen image for tests and the
// headless benchmark.
//
// Threads: upload() on the frame thread, everything else on the render thread (renderer.h).
// `state_mutex_` guards what both touch: the frame images' identity and which is shown, the
// geometry, has_frame. render() holds it only while recording and submitting (not while waiting
// for a swapchain image or a fence); upload() holds it to replace the images (with the queue
// idle) and to publish a finished frame. The queue itself is guarded by Device::queue_mutex.
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/renderer.h"
#include "client/vulkan/frame_upload.h"
#include "client/vulkan/overlay_pass.h"
#include "client/vulkan/pipelines.h"
#include "client/vulkan/render_targets.h"
#include "client/vulkan/vk_device.h"

namespace kagami::client {

struct VulkanSettings {
  SDL_Window* window = nullptr;  // created with SDL_WINDOW_VULKAN; null: offscreen
  bool vsync = false;            // FIFO; else MAILBOX or IMMEDIATE
  bool host_import = true;       // false: always the staging buffer (benchmarks compare the two)
};

class VulkanRenderer final : public Renderer {
 public:
  static Result<std::unique_ptr<VulkanRenderer>> create(const VulkanSettings& settings);
  ~VulkanRenderer() override;

  std::string_view name() const override { return "vulkan"; }
  std::string describe() const override;
  bool software() const override { return device_->cpu; }
  UploadStats upload(const FrameSource& source) override;
  std::uint32_t max_texture_size() const override;
  void drawable_size(int& width, int& height) const override;
  void begin_overlay_frame() override;
  bool has_frame() const override;
  bool frame_pending() const override;
  FrameGeometry geometry() const override;
  void reset() override;
  void set_user_rotation(int quarter_turns) override;
  void set_cursor(const CursorImage& image) override;
  void render(const DrawState& state) override;
  void set_vsync(bool on) override;
  Result<GuestImage> read_guest_image() override;

  // Offscreen only: what the last render() drew, rows top first, 0x00RRGGBB (tests, benchmark).
  Result<std::vector<std::uint32_t>> read_target();
  // Which source the last upload copied from (tests check that the import ran).
  vk::UploadPath last_upload_path() const;

 private:
  static constexpr std::size_t kFramesInFlight = 2;
  struct Slot {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence done = VK_NULL_HANDLE;          // signalled when the slot's submission finished
    VkSemaphore acquired = VK_NULL_HANDLE;  // swapchain image ready
  };
  struct CursorTexture {
    vk::Image image;
    VkDescriptorSet sets[2] = {};  // nearest, linear
  };

  explicit VulkanRenderer(std::unique_ptr<vk::Device> device) : device_(std::move(device)) {}
  Result<void> init(const VulkanSettings& settings);
  Result<void> run_once(const std::function<void(VkCommandBuffer)>& record);
  Result<void> ensure_swapchain(std::uint32_t width, std::uint32_t height);
  void update_frame_sets();
  void record_frame(VkCommandBuffer cmd, const Layout& layout, int width, int height);
  bool blit_frame(VkCommandBuffer cmd, VkImage target, const Layout& layout, VkExtent2D extent);
  bool blit_formats_ok(VkFormat source, bool linear) const;
  void record_cursor(VkCommandBuffer cmd, const DrawState& state);
  Result<std::vector<std::uint32_t>> read_image(const vk::Image& image);
  void wait_idle();
  void start_overlay();

  std::unique_ptr<vk::Device> device_;
  SDL_Window* window_ = nullptr;
  std::unique_ptr<vk::Pipelines> pipelines_;
  std::unique_ptr<vk::FrameUpload> upload_;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  VkCommandPool pool_ = VK_NULL_HANDLE;  // render thread
  VkCommandBuffer once_cmd_ = VK_NULL_HANDLE;
  VkFence once_fence_ = VK_NULL_HANDLE;
  std::array<Slot, kFramesInFlight> slots_{};
  std::size_t next_slot_ = 0;

  // Render thread only.
  VkSurfaceFormatKHR surface_format_{};
  std::unique_ptr<vk::Swapchain> swapchain_;
  std::uint32_t swap_width_ = 0, swap_height_ = 0;  // the size asked for at creation
  bool swap_stale_ = false;                         // out of date / suboptimal: recreate
  bool vsync_ = false;
  std::unique_ptr<vk::OffscreenTarget> offscreen_;
  bool offscreen_drawn_ = false;
  std::unique_ptr<vk::OverlayPass> overlay_;
  bool overlay_failed_ = false;
  CursorTexture cursor_blend_, cursor_invert_;
  std::uint32_t cursor_width_ = 0, cursor_height_ = 0;
  bool cursor_has_invert_ = false;
  protocol::FrameRotation shown_rotation() const;  // state_mutex_ held

  // Guarded by state_mutex_.
  mutable std::mutex state_mutex_;
  std::uint64_t published_ = 0, drawn_published_ = 0;  // frames published / as of the last render()
  VkDescriptorSet frame_sets_[2][2] = {};  // [image][nearest, linear]
  std::uint64_t frame_sets_generation_ = 0;
  FrameGeometry geometry_;  // rotation: the frame's own plus the user's (shown_rotation)
  protocol::FrameRotation frame_rotation_ = protocol::FrameRotation::r0;
  int user_rotation_ = 0;  // quarter turns clockwise (the rotate command)
  protocol::FrameType type_ = protocol::FrameType::invalid;
  std::uint32_t flags_ = 0;
  bool has_frame_ = false;
  std::uint32_t serial_ = 0;  // the published frame's (latency trace)
  // Render thread: the last frame whose first draw went to the latency trace.
  std::uint32_t traced_serial_ = ~0u;
  bool forget_imports_ = false;  // reset(): the next upload drops its imports and is full
  vk::UploadPath upload_path_ = vk::UploadPath::none;  // the last upload's source, for describe()
  std::string staging_reason_;
  std::string failed_image_;  // the frame format whose images could not be made (logged once)
};

}  // namespace kagami::client
