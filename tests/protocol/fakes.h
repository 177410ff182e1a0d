#pragma once
// Deterministic stand-ins for the injected clock and random source, and an aligned region.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"

namespace kagami::test {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::uint64_t start = 1000) : now(start) {}
  std::uint64_t now_ms() override { return now; }
  std::uint64_t now;
};

class ScriptedRandom final : public RandomSource {
 public:
  ScriptedRandom(std::initializer_list<std::uint32_t> values) : values_(values) {}
  std::uint32_t next_u32() override {
    const std::uint32_t v = values_.empty() ? fallback_++ : values_.front();
    if (!values_.empty()) values_.pop_front();
    return v;
  }

 private:
  std::deque<std::uint32_t> values_;
  std::uint32_t fallback_ = 0x7000;
};

// Zeroed, 4096-aligned memory standing in for a mapped region.
class Region {
 public:
  explicit Region(std::size_t size)
      : storage_(static_cast<std::byte*>(::operator new(size, std::align_val_t{4096}))), size_(size) {
    std::fill_n(storage_.get(), size, std::byte{0});
  }
  std::span<std::byte> bytes() const { return {storage_.get(), size_}; }
  std::byte* data() const { return storage_.get(); }
  template <class T>
  T u32(std::size_t offset) const {
    T v;
    std::memcpy(&v, storage_.get() + offset, sizeof v);
    return v;
  }
  std::uint32_t word(std::size_t offset) const { return u32<std::uint32_t>(offset); }

 private:
  struct Free {
    void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t{4096}); }
  };
  std::unique_ptr<std::byte, Free> storage_;
  std::size_t size_;
};

inline std::vector<std::byte> read_vector(const std::string& name) {
  const std::string path = std::string(KAGAMI_TEST_VECTORS) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

}  // namespace kagami::test
