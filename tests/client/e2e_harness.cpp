#include "e2e_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xcb/xcb.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kagami::client::test {
namespace {

std::atomic<int> g_counter{0};

std::string unique_name(const char* what) {
  return "kagami-test-" + std::string(what) + "-" + std::to_string(getpid()) + "-" +
         std::to_string(g_counter++);
}

}  // namespace

ShmRegion::ShmRegion(std::size_t size) : path_("/dev/shm/" + unique_name("client")), size_(size) {
  const int fd = open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0)
    throw std::runtime_error("cannot create " + path_);
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) throw std::runtime_error("cannot map " + path_);
  data_ = static_cast<std::byte*>(p);
}

ShmRegion::~ShmRegion() {
  munmap(data_, size_);
  unlink(path_.c_str());
}

TestAgent::TestAgent(std::span<std::byte> region) : region_(region) {}

TestAgent::~TestAgent() { stop(); }

protocol::GuestInfo TestAgent::default_info() {
  protocol::GuestInfo info;
  info.host_version = "kagami-test";
  info.features = protocol::kKvmfrFeatureSetCursorPos;
  protocol::OsInfo os;
  os.os = static_cast<std::uint8_t>(protocol::KvmfrOs::linux);
  os.name = "Test Linux";
  info.os = os;
  return info;
}

void TestAgent::start(const protocol::GuestInfo& info) {
  stop();
  host_ = std::make_unique<protocol::KvmfrHost>(clock_, random_);
  auto setup = host_->setup(region_, info);
  if (!setup) throw std::runtime_error("KvmfrHost::setup: " + setup.error().message);
  running_ = true;
  timer_ = std::thread([this] {
    while (running_) {
      {
        std::lock_guard lock(mutex_);
        (void)host_->process();
        if (host_->new_frame_subscribers() > 0) (void)host_->repost_last_frame();
        if (host_->new_pointer_subscribers() > 0) (void)host_->repost_cursor();
        (void)host_->take_client_messages();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
}

std::size_t TestAgent::frame_header_offset(std::uint32_t buffer) const {
  return static_cast<std::size_t>(host_->frame_pixels_offset(buffer)) - 4096;
}

void TestAgent::stop() {
  running_ = false;
  if (timer_.joinable()) timer_.join();
}

void TestAgent::wait_for_slot() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      // As B7: wait until fewer than two frames are pending, unless nobody is subscribed.
      if (host_->frame_slot_free() || !host_->has_subscribers()) return;
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the frame queue stayed full");
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void TestAgent::post_with(protocol::FrameDescription d,
                          const std::function<void(protocol::FrameWrite&)>& write) {
  wait_for_slot();
  std::unique_lock lock(mutex_);
  d.frame_serial = serial_++;
  // As a capture backend does: a new format version whenever the format or geometry changes.
  const std::array<std::uint32_t, 8> format = {static_cast<std::uint32_t>(d.type),
                                               d.data_width,
                                               d.data_height,
                                               d.frame_width,
                                               d.frame_height,
                                               d.pitch,
                                               static_cast<std::uint32_t>(d.rotation),
                                               d.flags};
  if (format != last_format_) {
    ++format_ver_;
    last_format_ = format;
  }
  d.format_ver = format_ver_;
  auto posted = host_->post_frame(d);
  if (!posted) throw std::runtime_error("post_frame: " + posted.error().message);
  protocol::FrameWrite frame_write = *posted;
  lock.unlock();  // the timer thread keeps the heartbeat going while the pixels are written
  write(frame_write);
}

void TestAgent::post(const BuiltFrame& frame, std::span<const protocol::FrameDamageRect> damage) {
  protocol::FrameDescription d = frame.description;
  d.damage = damage;
  post_with(d, [&](protocol::FrameWrite& w) {
    std::span<std::byte> out = w.pixels();
    // Progressive: 1 MiB at a time with a write-pointer store after each, as B7's full copy does.
    std::size_t done = 0;
    while (done < frame.pixels.size()) {
      const std::size_t n = std::min<std::size_t>(protocol::kFrameBufferChunk, frame.pixels.size() - done);
      std::memcpy(out.data() + done, frame.pixels.data() + done, n);
      done += n;
      w.advance(done);
    }
    w.finish();
  });
}

void TestAgent::post_cursor(const protocol::CursorUpdate& update) {
  // The queue may be full for a moment (a slow subscriber): retry as B7 does, for a while.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    protocol::LgmpStatus status;
    {
      std::lock_guard lock(mutex_);
      status = host_->post_cursor(update);
    }
    if (status == protocol::LgmpStatus::ok) return;
    if (status != protocol::LgmpStatus::queue_full || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("post_cursor failed: status " + std::to_string(static_cast<int>(status)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string client_binary() {
  if (const char* build = std::getenv("KAGAMI_BUILD_DIR"))
    return std::string(build) + "/src/apps/kagami-client";
  // Tests and benches live two levels below the build directory (tests/client, bench/client).
  char self[4096] = {};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  const std::string exe(self, n > 0 ? static_cast<std::size_t>(n) : 0);
  return exe.substr(0, exe.rfind('/')) + "/../../src/apps/kagami-client";
}

AgentProcess::AgentProcess(const std::vector<std::string>& args) {
  std::string binary = client_binary();
  binary.replace(binary.rfind("kagami-client"), std::string("kagami-client").size(), "kagami-agent");
  std::vector<std::string> line = {binary};
  line.insert(line.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    std::vector<char*> argv;
    for (auto& a : line) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
}

void AgentProcess::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

ClientProcess::ClientProcess(const std::string& display, const std::string& shm, int width, int height,
                             std::vector<std::string> extra_args) {
  log_path_ = "/tmp/" + unique_name("client-log") + ".txt";
  std::vector<std::string> args = {client_binary(), "--shm", shm, "--x", "0", "--y", "0", "--borderless",
                                   "--width", std::to_string(width), "--height", std::to_string(height),
                                   "--no-upscale", "--filter", "nearest", "--log-level", "debug", "--config",
                                   "/dev/null",
                                   // Never reach a SPICE server someone else runs on this machine.
                                   "--no-spice"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Dies with the test/bench even when that is killed. SIGKILL: the client handles SIGTERM itself
    // (SDL) and was seen still running, busy, after its X server had gone.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setenv("DISPLAY", display.c_str(), 1);
    const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
}

ClientProcess::~ClientProcess() {
  if (alive()) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (alive()) kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(log_path_.c_str());
}

void ClientProcess::pause() { kill(pid_, SIGSTOP); }
void ClientProcess::resume() { kill(pid_, SIGCONT); }

bool ClientProcess::alive() {
  if (status_ != -1) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

bool ClientProcess::terminate_within(int timeout_ms) {
  if (!alive()) return true;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return !alive();
}

std::uint64_t ClientProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

std::string ClientProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ClientProcess::wait_for_log(const std::string& text, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string window_title(const std::string& display) {
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  std::string title;
  if (!xcb_connection_has_error(c)) {
    xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
    xcb_query_tree_reply_t* tree = xcb_query_tree_reply(c, xcb_query_tree(c, screen->root), nullptr);
    if (tree) {
      xcb_window_t* children = xcb_query_tree_children(tree);
      for (int i = 0; i < xcb_query_tree_children_length(tree) && title.empty(); ++i) {
        auto* prop = xcb_get_property_reply(
            c, xcb_get_property(c, 0, children[i], XCB_ATOM_WM_NAME, XCB_GET_PROPERTY_TYPE_ANY, 0, 1024),
            nullptr);
        if (prop) {
          title.assign(static_cast<const char*>(xcb_get_property_value(prop)),
                       static_cast<std::size_t>(xcb_get_property_value_length(prop)));
          free(prop);
        }
      }
      free(tree);
    }
  }
  xcb_disconnect(c);
  return title;
}

}  // namespace kagami::client::test
