#include "client/vulkan/frame_upload.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "client/upload_plan.h"
#include "client/vulkan/vk_util.h"

namespace kagami::client::vk {
namespace {

// Submit the copies recorded so far once this many bytes are queued: the GPU starts on the top of
// the frame while the agent writes the rest, at a few submissions per 4K frame.
constexpr std::uint64_t kChunkBytes = 8ull << 20;

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

Result<std::unique_ptr<FrameUpload>> FrameUpload::create(Device& device) {
  std::unique_ptr<FrameUpload> u(new FrameUpload(device));
  VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT | VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  pool.queueFamilyIndex = device.queue_family;
  if (VkResult r = vkCreateCommandPool(device.device, &pool, nullptr, &u->pool_); r != VK_SUCCESS)
    return failure("vkCreateCommandPool (upload)", r);
  VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  if (VkResult r = vkCreateFence(device.device, &fence, nullptr, &u->fence_); r != VK_SUCCESS)
    return failure("vkCreateFence (upload)", r);
  return u;
}

FrameUpload::~FrameUpload() {
  if (fence_) vkDestroyFence(device_.device, fence_, nullptr);
  if (pool_) vkDestroyCommandPool(device_.device, pool_, nullptr);
}

bool FrameUpload::needs_image(const protocol::ValidatedFrame& f) const {
  return !images_[0] || f.type != type_ || f.data_width != data_width_ || f.data_height != data_height_ ||
         f.frame_width != frame_width_ || f.frame_height != frame_height_;
}

Result<void> FrameUpload::make_image(const protocol::ValidatedFrame& f) {
  release();
  const FrameFormat format = frame_format(f.type);
  if (format.format == VK_FORMAT_UNDEFINED) return Error{"unsupported frame type"};
  std::uint32_t width = 0, height = 0;
  frame_image_size(f, width, height);
  for (Image& image : images_) {
    auto made = Image::create(
        device_, width, height, format.format,
        VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_SAMPLED_BIT);
    if (!made) {
      release();
      return made.error();
    }
    image = std::move(*made);
  }
  // Both black and in GENERAL for good (rows a truncated frame lacks stay black).
  VkCommandBuffer cmd = command_buffer(0);
  if (!cmd) return Error{"no Vulkan command buffer for the upload"};
  const VkClearColorValue black{{0.0f, 0.0f, 0.0f, 1.0f}};
  const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  for (Image& image : images_) {
    image_barrier(cmd, image.handle(), VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                  VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_GENERAL, &black, 1, &range);
  }
  if (auto r = submit(cmd, true); !r) {
    release();
    return r;
  }
  vkWaitForFences(device_.device, 1, &fence_, VK_TRUE, UINT64_MAX);
  vkResetFences(device_.device, 1, &fence_);
  shown_ = 0;
  ++generation_;
  force_full_ = true;
  type_ = f.type;
  data_width_ = f.data_width;
  data_height_ = f.data_height;
  frame_width_ = f.frame_width;
  frame_height_ = f.frame_height;
  return {};
}

void FrameUpload::release() {
  images_[0] = Image();
  images_[1] = Image();
  type_ = protocol::FrameType::invalid;
  imports_.clear();
  last_regions_.clear();
  last_all_ = true;
}

void FrameUpload::catch_up(VkCommandBuffer cmd, const Image& from, const Image& to) {
  if (last_all_) {
    VkImageCopy all{};
    all.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    all.dstSubresource = all.srcSubresource;
    all.extent = {from.width(), from.height(), 1};
    vkCmdCopyImage(cmd, from.handle(), VK_IMAGE_LAYOUT_GENERAL, to.handle(), VK_IMAGE_LAYOUT_GENERAL, 1,
                   &all);
  } else if (!last_regions_.empty()) {
    vkCmdCopyImage(cmd, from.handle(), VK_IMAGE_LAYOUT_GENERAL, to.handle(), VK_IMAGE_LAYOUT_GENERAL,
                   static_cast<std::uint32_t>(last_regions_.size()), last_regions_.data());
  }
}

VkCommandBuffer FrameUpload::command_buffer(std::size_t index) {
  while (commands_.size() <= index) {
    VkCommandBufferAllocateInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    info.commandPool = pool_;
    info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    info.commandBufferCount = 1;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    if (vkAllocateCommandBuffers(device_.device, &info, &cmd) != VK_SUCCESS) return VK_NULL_HANDLE;
    commands_.push_back(cmd);
  }
  VkCommandBuffer cmd = commands_[index];
  vkResetCommandBuffer(cmd, 0);
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(cmd, &begin);
  return cmd;
}

Result<void> FrameUpload::submit(VkCommandBuffer cmd, bool last) {
  if (VkResult r = vkEndCommandBuffer(cmd); r != VK_SUCCESS) return failure("vkEndCommandBuffer (upload)", r);
  VkSubmitInfo info{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  info.commandBufferCount = 1;
  info.pCommandBuffers = &cmd;
  // A fence signal covers every command submitted earlier on the queue: one on the last chunk.
  if (VkResult r = device_.submit(info, last ? fence_ : VK_NULL_HANDLE); r != VK_SUCCESS)
    return failure("vkQueueSubmit (upload)", r);
  return {};
}

UploadStats FrameUpload::upload(const FrameSource& source) {
  UploadStats stats;
  last_ok_ = false;
  const protocol::ValidatedFrame& f = source.frame;
  const FrameFormat format = frame_format(f.type);
  if (!images_[0] || format.format == VK_FORMAT_UNDEFINED) return stats;
  const std::uint64_t cpu_start = thread_cpu_ns();
  std::uint64_t waiting_ns = 0;
  const bool full = source.full || force_full_;
  const std::vector<UploadBand> bands = plan_upload(f, full);
  const std::uint32_t plan_bytes = protocol::bytes_per_texel(f.type);  // per plan texel
  const Image& shown = images_[shown_];
  const Image& target = images_[1 - shown_];

  // The source: the region itself when the frame buffer can be imported and its rows are laid
  // out as whole texels (a copy's row length is in texels, its offset a multiple of one).
  const auto pixels_address = reinterpret_cast<std::uintptr_t>(source.region.data()) + f.pixels_offset;
  ImportedSpan imported;
  if (f.pitch % format.texel_bytes != 0) {
    staging_reason_ = fmt::format("the pitch ({} bytes) is not a whole number of texels", f.pitch);
  } else if (pixels_address % format.texel_bytes != 0) {
    staging_reason_ = "the frame's first row is not texel-aligned";
  } else if (auto span = imports_.find(source.region, f.pixels_offset, f.data_size)) {
    imported = *span;
    staging_reason_.clear();
  } else {
    staging_reason_ = span.error().message;
  }
  const bool zero_copy = imported.buffer != VK_NULL_HANDLE;
  if (!zero_copy && (!staging_ || staging_.size() < f.data_size)) {
    auto buffer =
        Buffer::create(device_, std::max<std::uint64_t>(f.data_size, 1), VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                       VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    if (!buffer) {
      spdlog::error("Vulkan upload: no staging buffer: {}", buffer.error().message);
      return stats;
    }
    staging_ = std::move(*buffer);
  }
  last_path_ = zero_copy ? UploadPath::host_import : UploadPath::staging;

  std::size_t chunk = 0;
  VkCommandBuffer cmd = command_buffer(chunk);
  if (!cmd) return stats;
  // Draws submitted earlier may still sample the target; the previous upload's copies wrote the
  // shown image, which the catch-up reads.
  VkMemoryBarrier before{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  before.srcAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  before.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &before, 0, nullptr, 0, nullptr);
  if (!full) {
    // The target is two uploads old: bring it up to the shown image first. The band copies
    // below may overwrite the same texels, so they wait for this copy.
    catch_up(cmd, shown, target);
    VkMemoryBarrier waw{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    waw.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    waw.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &waw, 0,
                         nullptr, 0, nullptr);
  }

  std::vector<VkImageCopy> written;
  std::uint64_t staged = 0;  // staging bytes used so far
  std::uint64_t chunk_bytes = 0;
  bool failed = false;
  for (const UploadBand& band : bands) {
    if (!stats.stalled) {
      const std::uint64_t wait_start = thread_cpu_ns();
      if (!source.wait_ready(band.ready_bytes)) stats.stalled = true;
      waiting_ns += thread_cpu_ns() - wait_start;
    }
    const std::uint64_t row_bytes = std::uint64_t{band.width} * plan_bytes;
    VkBufferImageCopy copy{};
    copy.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    copy.imageOffset = {static_cast<std::int32_t>(band.x * format.texels_per_pixel),
                        static_cast<std::int32_t>(band.y), 0};
    copy.imageExtent = {band.width * format.texels_per_pixel, band.height, 1};
    const std::uint64_t first = std::uint64_t{band.y} * f.pitch + std::uint64_t{band.x} * plan_bytes;
    if (zero_copy) {
      copy.bufferOffset = imported.offset + first;
      copy.bufferRowLength = f.pitch / format.texel_bytes;
    } else {
      // The CPU copy: the band's rows, packed, into the staging buffer (rows within data_size:
      // plan_upload guarantees it).
      staged = (staged + 7) / 8 * 8;  // offsets a multiple of every texel size
      if (staged + row_bytes * band.height > staging_.size()) break;
      auto* dst = static_cast<std::byte*>(staging_.mapped()) + staged;
      const std::byte* src = source.region.data() + f.pixels_offset + first;
      for (std::uint32_t row = 0; row < band.height; ++row)
        std::memcpy(dst + row * row_bytes, src + std::uint64_t{row} * f.pitch, row_bytes);
      copy.bufferOffset = staged;
      copy.bufferRowLength = 0;  // tightly packed
      staged += row_bytes * band.height;
    }
    vkCmdCopyBufferToImage(cmd, zero_copy ? imported.buffer : staging_.handle(), target.handle(),
                           VK_IMAGE_LAYOUT_GENERAL, 1, &copy);
    VkImageCopy region{};
    region.srcSubresource = copy.imageSubresource;
    region.dstSubresource = copy.imageSubresource;
    region.srcOffset = copy.imageOffset;
    region.dstOffset = copy.imageOffset;
    region.extent = copy.imageExtent;
    written.push_back(region);
    stats.bytes += row_bytes * band.height;
    chunk_bytes += row_bytes * band.height;
    if (chunk_bytes >= kChunkBytes && &band != &bands.back()) {
      if (auto r = submit(cmd, false); !r) {
        spdlog::error("Vulkan upload: {}", r.error().message);
        failed = true;
        break;
      }
      chunk_bytes = 0;
      cmd = command_buffer(++chunk);
      if (!cmd) {
        failed = true;
        break;
      }
    }
  }
  if (!failed) {
    VkMemoryBarrier after{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    after.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    after.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &after,
                         0, nullptr, 0, nullptr);
    if (auto r = submit(cmd, true); !r) {
      spdlog::error("Vulkan upload: {}", r.error().message);
      failed = true;
    } else {
      // The frame's bytes may be released (and overwritten by the agent) only after the copy.
      vkWaitForFences(device_.device, 1, &fence_, VK_TRUE, UINT64_MAX);
      vkResetFences(device_.device, 1, &fence_);
      force_full_ = false;
      last_ok_ = true;
      last_all_ = full;
      last_regions_ = std::move(written);
    }
  }
  if (failed) {
    // Chunks already submitted may still read the region: wait for them before the frame is
    // released. The target's contents are unknown now: the next upload is full.
    std::lock_guard lock(device_.queue_mutex);
    vkQueueWaitIdle(device_.queue);
    force_full_ = true;
  }
  stats.cpu_ns = thread_cpu_ns() - cpu_start - waiting_ns;
  return stats;
}

}  // namespace kagami::client::vk
