#pragma once
// A private headless sway for tests and benchmarks. sway refuses to run as root, so when the
// test runs as root (CI) it creates an unprivileged system user (kagami-wayland-test) and runs
// sway, and every program the test starts "as the user", under that user; run as anyone else,
// everything runs as the caller. Two outputs with the pixman renderer:
//   HEADLESS-1 1280x720 (or the size given), background kBackground1, refresh `refresh_hz` (0: sway's
//   default, 60 Hz; wlroots 0.15's headless output then makes a frame every 16 ms *plus* the time
//   sway takes to render it, see docs/agent.md);
//   HEADLESS-2 800x600, background kBackground2
// No borders, gaps or bar, so a client window fills HEADLESS-1 exactly. The whole process group
// is stopped when the object goes away.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kagami::testing {

class SwaySession {
 public:
  static constexpr std::uint32_t kBackground1 = 0x30a050;  // 0xRRGGBB
  static constexpr std::uint32_t kBackground2 = 0xa03050;

  explicit SwaySession(std::uint32_t width1 = 1280, std::uint32_t height1 = 720,
                       std::uint32_t refresh_hz = 0);
  ~SwaySession();
  SwaySession(const SwaySession&) = delete;
  SwaySession& operator=(const SwaySession&) = delete;

  // Empty when sway runs; else why not (the test skips with this message).
  const std::string& error() const { return error_; }
  const std::string& runtime_dir() const { return runtime_dir_; }  // XDG_RUNTIME_DIR
  const std::string& socket() const { return socket_; }            // e.g. wayland-1
  std::string socket_path() const { return runtime_dir_ + "/" + socket_; }
  const std::string& base_dir() const { return base_; }  // world-readable scratch folder
  pid_t pid() const { return sway_; }
  uid_t uid() const { return uid_; }  // the user sway and the spawned programs run as
  gid_t gid() const { return gid_; }  // sway's process (benchmarks read its CPU)

  // Copies `path` into base_dir()/bin (so the user can run it wherever the build lives) and
  // returns the copy's path.
  std::string install(const std::string& path) const;
  // Runs `swaymsg COMMAND...` as the user; true when it succeeded.
  bool swaymsg(const std::vector<std::string>& command) const;
  // Gives a file to the user (the shared-memory file the agent opens).
  void give(const std::string& path) const;
  // Starts argv[0] as the user with XDG_RUNTIME_DIR, WAYLAND_DISPLAY and `env` (NAME=VALUE),
  // stdout and stderr to `log`. The pid, or -1.
  pid_t spawn(const std::vector<std::string>& argv, const std::string& log,
              const std::vector<std::string>& env = {}) const;

 private:
  bool become_user() const;
  std::string error_;
  std::string base_, runtime_dir_, socket_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool switch_user_ = false;
  pid_t sway_ = -1;
};

// The whole text of a file ("" if unreadable).
std::string read_text(const std::string& path);

}  // namespace kagami::testing
