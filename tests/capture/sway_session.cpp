#include "sway_session.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace kagami::testing {

namespace {

constexpr const char* kUser = "kagami-wayland-test";

bool on_path(const char* program) {
  const std::string command = std::string("command -v ") + program + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

std::string colour(std::uint32_t rgb) {
  char text[8];
  std::snprintf(text, sizeof text, "#%06x", rgb);
  return text;
}

// A socket in `dir` named wayland-N that accepts connections.
std::string find_socket(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return {};
  std::string found;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("wayland-", 0) == 0 && name.find('.') == std::string::npos) found = name;
  }
  ::closedir(d);
  if (found.empty()) return {};
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s", dir.c_str(), found.c_str());
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok ? found : std::string();
}

}  // namespace

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

SwaySession::SwaySession(std::uint32_t width1, std::uint32_t height1, std::uint32_t refresh_hz) {
  for (const char* program : {"sway", "swaybg"}) {
    if (!on_path(program)) {
      error_ =
          std::string(program) + " is not installed (Debian packages sway, swaybg: scripts/deps/wayland.txt)";
      return;
    }
  }
  uid_ = ::getuid();
  gid_ = ::getgid();
  if (uid_ == 0) {
    // sway will not run as root: an unprivileged system user, made once.
    // Tests run in parallel: another one may be adding the user right now (useradd locks
    // /etc/passwd and fails meanwhile), so look again a few times.
    for (int attempt = 0; attempt < 20 && !::getpwnam(kUser); ++attempt) {
      const std::string command =
          std::string("useradd --system --no-create-home --shell /usr/sbin/nologin ") + kUser +
          " >/dev/null 2>&1";
      if (std::system(command.c_str()) != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const passwd* user = ::getpwnam(kUser);
    if (!user) {
      error_ = std::string("running as root, and the unprivileged user ") + kUser +
               " sway needs could not be created (useradd failed)";
      return;
    }
    uid_ = user->pw_uid;
    gid_ = user->pw_gid;
    switch_user_ = true;
  }

  char base[] = "/tmp/kagami-sway-XXXXXX";
  if (!::mkdtemp(base)) {
    error_ = std::string("mkdtemp: ") + std::strerror(errno);
    return;
  }
  base_ = base;
  ::chmod(base_.c_str(), 0755);
  ::mkdir((base_ + "/bin").c_str(), 0755);
  runtime_dir_ = base_ + "/run";
  ::mkdir(runtime_dir_.c_str(), 0700);
  if (::chown(runtime_dir_.c_str(), uid_, gid_) != 0) {
    error_ = std::string("chown of the runtime folder: ") + std::strerror(errno);
    return;
  }
  {
    std::ofstream config(base_ + "/config");
    config << "output HEADLESS-1 resolution " << width1 << "x" << height1
           << (refresh_hz ? "@" + std::to_string(refresh_hz) + "Hz" : std::string()) << " position 0 0 bg "
           << colour(kBackground1) << " solid_color\n"
           << "output HEADLESS-2 resolution 800x600 position " << width1 << " 0 bg " << colour(kBackground2)
           << " solid_color\n"
           << "default_border none\n"
           << "default_floating_border none\n"
           << "focus_follows_mouse no\n";
  }
  sway_ = spawn({"sway", "-c", base_ + "/config"}, base_ + "/sway.log",
                {"WLR_BACKENDS=headless", "WLR_RENDERER=pixman", "WLR_LIBINPUT_NO_DEVICES=1",
                 "WLR_HEADLESS_OUTPUTS=2"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (socket_.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    socket_ = find_socket(runtime_dir_);
    int status = 0;
    if (::waitpid(sway_, &status, WNOHANG) == sway_) {
      sway_ = -1;
      break;
    }
  }
  if (socket_.empty()) error_ = "sway did not start; its log:\n" + read_text(base_ + "/sway.log");
}

SwaySession::~SwaySession() {
  if (sway_ > 0) {
    ::kill(-sway_, SIGTERM);  // sway and what it started (swaybg): its own process group
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(sway_, nullptr, WNOHANG) == sway_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-sway_, SIGKILL);
    ::waitpid(sway_, nullptr, 0);
  }
  if (!base_.empty()) std::system(("rm -rf " + base_).c_str());
}

bool SwaySession::become_user() const {
  if (!switch_user_) return true;
  return ::setgroups(0, nullptr) == 0 && ::setgid(gid_) == 0 && ::setuid(uid_) == 0;
}

std::string SwaySession::install(const std::string& path) const {
  const std::string copy = base_ + "/bin/" + path.substr(path.rfind('/') + 1);
  if (::access(copy.c_str(), X_OK) != 0) {  // once: a running copy cannot be overwritten
    std::system(("cp " + path + " " + copy + " && chmod 755 " + copy).c_str());
  }
  return copy;
}

bool SwaySession::swaymsg(const std::vector<std::string>& command) const {
  std::string ipc;  // sway-ipc.UID.PID.sock
  if (DIR* d = ::opendir(runtime_dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("sway-ipc.", 0) == 0) ipc = runtime_dir_ + "/" + name;
    }
    ::closedir(d);
  }
  if (ipc.empty()) return false;
  std::vector<std::string> argv = {"swaymsg", "-s", ipc};
  argv.insert(argv.end(), command.begin(), command.end());
  const pid_t pid = spawn(argv, base_ + "/swaymsg.log");
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void SwaySession::give(const std::string& path) const {
  if (::chown(path.c_str(), uid_, gid_) != 0) std::perror("chown");
}

pid_t SwaySession::spawn(const std::vector<std::string>& argv, const std::string& log,
                         const std::vector<std::string>& env) const {
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t pid = ::fork();
  if (pid != 0) {
    if (out >= 0) ::close(out);
    return pid;
  }
  ::setpgid(0, 0);
  if (out >= 0) {
    ::dup2(out, 1);
    ::dup2(out, 2);
  }
  if (!become_user()) ::_exit(126);
  std::vector<std::string> environment = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + runtime_dir_,
                                          "XDG_RUNTIME_DIR=" + runtime_dir_};
  if (!socket_.empty()) environment.push_back("WAYLAND_DISPLAY=" + socket_);
  for (const auto& e : env) {  // `env` overrides the defaults above
    const std::string name = e.substr(0, e.find('=') + 1);
    std::erase_if(environment, [&](const std::string& d) { return d.rfind(name, 0) == 0; });
    environment.push_back(e);
  }
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execvpe(args[0], args.data(), envp.data());
  ::_exit(127);
}

}  // namespace kagami::testing
