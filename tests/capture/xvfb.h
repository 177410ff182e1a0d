#pragma once
// A private Xvfb for a test or benchmark: started with -displayfd (a free display number,
// chosen by the server) and -noreset, killed when the object goes away.
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace kagami::testing {

class Xvfb {
 public:
  // Starts `Xvfb -screen 0 WxHx24`; on failure display() is empty and error() says why.
  Xvfb(std::uint32_t width, std::uint32_t height);
  ~Xvfb();
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;

  const std::string& display() const { return display_; }  // ":N"
  const std::string& error() const { return error_; }
  void kill();  // stops the server now (tests of a lost connection)

 private:
  pid_t pid_ = -1;
  std::string display_;
  std::string error_;
};

}  // namespace kagami::testing
