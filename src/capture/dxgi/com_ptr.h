#pragma once
// A minimal owning COM pointer (Release on destruction); WRL is not available with mingw.
#include <unknwn.h>

#include <utility>

namespace kagami::capture::dxgi {

template <class T>
class ComPtr {
 public:
  ComPtr() = default;
  ~ComPtr() { reset(); }
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  ComPtr(ComPtr&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  ComPtr& operator=(ComPtr&& other) noexcept {
    if (this != &other) {
      reset();
      ptr_ = std::exchange(other.ptr_, nullptr);
    }
    return *this;
  }

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  // For out-parameters: releases what is held and hands out the slot.
  T** put() {
    reset();
    return &ptr_;
  }
  void reset() {
    if (ptr_) std::exchange(ptr_, nullptr)->Release();
  }
  template <class U>
  HRESULT as(ComPtr<U>* out) const {
    return ptr_->QueryInterface(__uuidof(U), reinterpret_cast<void**>(out->put()));
  }

 private:
  T* ptr_ = nullptr;
};

}  // namespace kagami::capture::dxgi
