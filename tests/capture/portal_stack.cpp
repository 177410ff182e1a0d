#include "portal_stack.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <utility>

namespace kagami::testing {

using namespace std::chrono_literals;

PortalStack::PortalStack(const SwaySession& sway) {
  for (const char* p : {"/usr/bin/dbus-run-session", "/usr/bin/pipewire", "/usr/bin/wireplumber",
                        "/usr/libexec/xdg-desktop-portal", "/usr/libexec/xdg-desktop-portal-wlr"}) {
    if (::access(p, X_OK) != 0) missing_ = std::string(p) + " is not installed (scripts/deps/wayland.txt)";
  }
  const std::string base = sway.base_dir();
  for (const auto& [dir, config] :
       {std::pair<std::string, std::string>{"xdg", "chooser_type=none\noutput_name=HEADLESS-1\n"},
        std::pair<std::string, std::string>{"xdg-decline", "chooser_type=simple\nchooser_cmd=false\n"}}) {
    ::mkdir((base + "/" + dir).c_str(), 0755);
    ::mkdir((base + "/" + dir + "/xdg-desktop-portal-wlr").c_str(), 0755);
    std::ofstream(base + "/" + dir + "/xdg-desktop-portal-wlr/config") << "[screencast]\n" << config;
  }
  {
    std::ofstream script(base + "/portal-session.sh");
    script << "#!/bin/sh\n"
           << "# inside dbus-run-session: the media graph, then the agent (the portals are activated on "
              "the bus)\n"
           << "rm -f \"$XDG_RUNTIME_DIR\"/pipewire-0*  # a previous run's socket would fool the wait\n"
           << "pipewire &\n"
           << "for i in $(seq 100); do pw-cli info 0 >/dev/null 2>&1 && break; sleep 0.1; done\n"
           << "wireplumber &\n"
           << "# the portal's backend needs PipeWire; started here (not on the bus) so its log is ours\n"
           << "/usr/libexec/xdg-desktop-portal-wlr -l INFO &\n"
           << "echo $$ > \"$KAGAMI_AGENT_PID_FILE\"  # the agent's pid: exec keeps it\n"
           << "exec \"$@\"\n";
  }
  ::chmod((base + "/portal-session.sh").c_str(), 0755);
  proxy_ = std::make_unique<WaylandVersionProxy>(sway.socket_path(), sway.runtime_dir() + "/wayland-portal",
                                                 "zwlr_screencopy_manager_v1", 3, /*fake_dmabuf=*/true,
                                                 sway.uid(), sway.gid());
}

std::string PortalStack::error() const { return !missing_.empty() ? missing_ : proxy_->error(); }

PortalRun::PortalRun(const SwaySession& sway, const std::string& agent, const std::string& name,
                     const std::string& xdg, const std::string& token)
    : path_("/dev/shm/kagami-portal-" + std::to_string(::getpid()) + "-" + name), size_(32 << 20) {
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(size_)) == 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) map_ = static_cast<std::byte*>(p);
  }
  if (fd >= 0) ::close(fd);
  sway.give(path_);
  const std::string base = sway.base_dir();
  log_ = sway.runtime_dir() + "/portal-" + name + ".log";
  pid_file_ = sway.runtime_dir() + "/portal-" + name + ".pid";
  pid_ = sway.spawn(
      {"dbus-run-session", "--", base + "/portal-session.sh", sway.install(agent), "--shm", path_,
       "--capture", "portal", "--portal-token-file", sway.runtime_dir() + "/" + token, "--log-level",
       "debug"},
      log_,
      {"XDG_CURRENT_DESKTOP=sway", "XDG_CONFIG_HOME=" + base + "/" + xdg,
       "WAYLAND_DISPLAY=" + sway.runtime_dir() + "/wayland-portal", "KAGAMI_AGENT_PID_FILE=" + pid_file_});
  reader_ = std::make_unique<Reader>(std::span<std::byte>(map_, size_));
}

PortalRun::~PortalRun() {
  stop();
  reader_.reset();  // it reads the mapping until it goes
  if (map_) ::munmap(map_, size_);
  ::unlink(path_.c_str());
}

void PortalRun::stop() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);  // the agent, the bus, PipeWire and the portals: one process group
  for (int i = 0; i < 300 && ::waitpid(pid_, nullptr, WNOHANG) != pid_; ++i)
    std::this_thread::sleep_for(10ms);
  ::kill(-pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool PortalRun::log_says(const std::string& text, std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

pid_t PortalRun::agent_pid() const {
  const std::string text = read_text(pid_file_);
  return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

}  // namespace kagami::testing
