#pragma once
// A file under $TMPDIR that exists for one operation (the XML handed to virsh and the validator).
#include <string>

#include "common/result.h"

namespace kagami::setup {

class TempFile {
 public:
  // Creates "<tmp>/kagami-<stem>-XXXXXX<suffix>" holding `content`.
  static Result<TempFile> create(const std::string& stem, const std::string& suffix,
                                 const std::string& content);
  TempFile(TempFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();
  const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace kagami::setup
