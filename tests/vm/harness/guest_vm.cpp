#include "guest_vm.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kagami::vm_test {
namespace fs = std::filesystem;
namespace {

constexpr int kQmpConnectTimeoutMs = 10000;
constexpr int kQuitTimeoutMs = 3000;
constexpr char kReadyLine[] = "kagami-vm: ready";
constexpr char kDoneMarker[] = "\n@kagami-done ";

// A TCP port on 127.0.0.1 that is free now (the kernel picks it); QEMU binds it right after.
Result<int> free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const std::string why = std::strerror(errno);
  if (fd >= 0) close(fd);
  if (!ok) return Error{"cannot find a free TCP port on 127.0.0.1: " + why};
  return static_cast<int>(ntohs(address.sin_port));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// "kagami-vm: ready 2.26" -> 2.26 (the last word of a progress line).
double guest_uptime_of(const std::string& line) {
  if (line.rfind("kagami-vm: ", 0) != 0) return -1;
  const auto space = line.rfind(' ');
  char* end = nullptr;
  const double value = std::strtod(line.c_str() + space + 1, &end);
  return end != line.c_str() + space + 1 ? value : -1;
}

// A test killed by its timeout (SIGKILL) cannot remove its 32 MiB /dev/shm file; remove such
// leftovers once they are surely stale (VM tests time out after minutes).
void remove_stale_shm_files() {
  std::error_code error;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator("/dev/shm", error)) {
    if (entry.path().filename().string().rfind("kagami-vm-", 0) != 0) continue;
    const auto written = fs::last_write_time(entry.path(), error);
    if (!error && now - written > std::chrono::hours(1)) fs::remove(entry.path(), error);
  }
}

}  // namespace

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

Result<std::unique_ptr<GuestVm>> GuestVm::start(VmOptions options) {
  std::unique_ptr<GuestVm> vm(new GuestVm());
  vm->options_ = std::move(options);
  if (auto booted = vm->boot(); !booted) {
    vm->keep_work_dir();
    Error error{booted.error().message + "\n(work directory kept: " + vm->work_dir_ + ")\n" +
                vm->diagnostics()};
    vm->stop();
    return error;
  }
  return vm;
}

Result<void> GuestVm::boot() {
  const std::string vmlinux = options_.assets_dir + "/vmlinux";
  const std::string base_initrd = options_.assets_dir + "/base.cpio";
  if (!fs::exists(vmlinux) || !fs::exists(base_initrd)) {
    return Error{"no guest kernel/initramfs in '" + options_.assets_dir +
                 "': run the vm.assets test first (ctest -R vm.assets), which downloads the kernel with apt"};
  }
  accel_ = options_.accel.empty() ? env_or_empty("KAGAMI_VM_ACCEL") : options_.accel;
  if (accel_.empty()) accel_ = "tcg";

  char dir_template[] = "/tmp/kagami-vm-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return Error{std::string("mkdtemp in /tmp: ") + std::strerror(errno)};
  work_dir_ = dir_template;

  // Unique shared-memory files per VM, so tests can run in parallel.
  remove_stale_shm_files();
  if (options_.shm_regions == 0 || options_.shm_regions > 8) return Error{"shm_regions must be 1..8"};
  for (std::size_t i = 0; i < options_.shm_regions; ++i) {
    std::string path = "/dev/shm/" + fs::path(work_dir_).filename().string();
    if (i > 0) path += "-" + std::to_string(i);
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Error{"cannot create " + path + ": " + std::strerror(errno)};
    shm_paths_.push_back(path);
    const bool sized = ftruncate(fd, static_cast<off_t>(options_.shm_size)) == 0;
    void* map =
        sized ? mmap(nullptr, options_.shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED) return Error{"cannot size or map " + path + ": " + std::strerror(errno)};
    shm_maps_.push_back(map);
  }

  auto port = free_loopback_port();
  if (!port) return port.error();
  spice_port_ = *port;

  const std::string initrd = work_dir_ + "/initrd.cpio";
  if (auto built = build_initrd(initrd); !built) return built;

  started_ = std::chrono::steady_clock::now();
  auto qemu = ChildProcess::start({qemu_command(initrd), "", "", work_dir_ + "/qemu.log", ""});
  if (!qemu) return qemu.error();
  qemu_ = std::move(*qemu);

  auto qmp = QmpClient::connect(work_dir_ + "/qmp.sock", deadline_after(kQmpConnectTimeoutMs));
  if (!qmp) return Error{"QEMU did not start: " + qmp.error().message};
  qmp_ = std::move(*qmp);
  if (auto ready = wait_for_console(kReadyLine, options_.boot_timeout_ms); !ready) return ready.error();
  auto control = UnixStream::connect(work_dir_ + "/control.sock", deadline_after(kQmpConnectTimeoutMs));
  if (!control) return control.error();
  control_ = std::move(*control);
  return {};
}

Result<void> GuestVm::build_initrd(const std::string& path) {
  std::error_code error;
  fs::copy_file(options_.assets_dir + "/base.cpio", path, error);
  if (error) return Error{"cannot copy the base initramfs: " + error.message()};
  if (options_.files.empty()) return {};

  // The test's files go into a second archive appended to the first; the kernel unpacks both.
  const std::string stage = work_dir_ + "/extra";
  std::ofstream list(work_dir_ + "/extra.list");
  for (const auto& file : options_.files) {
    const fs::path target = fs::path(stage) / fs::path(file.guest_path).relative_path();
    fs::create_directories(target.parent_path(), error);
    fs::copy_file(file.host_path, target, fs::copy_options::overwrite_existing, error);
    if (error) return Error{"cannot stage " + file.host_path + " for the guest: " + error.message()};
    fs::permissions(target, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    // cpio needs every parent directory listed before the file.
    fs::path relative = fs::path(file.guest_path).relative_path();
    std::vector<std::string> parts;
    for (fs::path p = relative.parent_path(); !p.empty(); p = p.parent_path()) parts.insert(parts.begin(), p);
    for (const auto& dir : parts) list << dir << "\n";
    list << relative.string() << "\n";
  }
  list.close();
  return run_to_completion({{"cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"},
                            stage,
                            work_dir_ + "/extra.list",
                            path,
                            work_dir_ + "/cpio.log"},
                           30000);
}

std::string GuestVm::shm_bdf(std::size_t i) {
  char bdf[16];
  std::snprintf(bdf, sizeof(bdf), "0000:00:%02zx.0", 0x10 + i);
  return bdf;
}

std::vector<std::string> GuestVm::qemu_command(const std::string& initrd) const {
  const std::string mode = std::to_string(options_.width) + "x" + std::to_string(options_.height);
  // Option and value pairs on one line read better.
  // clang-format off
  std::vector<std::string> args = {
      "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
      "-accel", accel_,
      "-m", std::to_string(options_.memory_mb),
      "-kernel", options_.assets_dir + "/vmlinux",
      "-initrd", initrd,
      "-append", "console=ttyS0 quiet panic=-1 video=Virtual-1:" + mode + " " + options_.kernel_args,
      "-no-reboot",  // with panic=-1 a guest panic ends QEMU instead of hanging the test
      "-device", "qemu-xhci", "-device", "usb-tablet", "-device", "usb-kbd",
      "-spice", "port=" + std::to_string(spice_port_) + ",addr=127.0.0.1,disable-ticketing=on",
      "-serial", "file:" + work_dir_ + "/console.log",
      "-chardev", "socket,id=control,path=" + work_dir_ + "/control.sock,server=on,wait=off",
      "-serial", "chardev:control",
      "-qmp", "unix:" + work_dir_ + "/qmp.sock,server=on,wait=off",
  };
  // clang-format on
  args.insert(args.end(), options_.display_args.begin(), options_.display_args.end());
  for (std::size_t i = 0; i < shm_paths_.size(); ++i) {
    const std::string id = "kagami-shm" + std::to_string(i);
    args.insert(args.end(), {"-object",
                             "memory-backend-file,id=" + id + ",mem-path=" + shm_paths_[i] +
                                 ",size=" + std::to_string(options_.shm_size) + ",share=on",
                             "-device", "ivshmem-plain,memdev=" + id + ",addr=" + shm_bdf(i).substr(8, 2)});
  }
  args.insert(args.end(), options_.extra_qemu_args.begin(), options_.extra_qemu_args.end());
  return args;
}

std::string GuestVm::console_log() const { return read_file(work_dir_ + "/console.log"); }

void GuestVm::scan_console() {
  std::ifstream in(work_dir_ + "/console.log", std::ios::binary);
  in.seekg(static_cast<std::streamoff>(console_bytes_scanned_));
  const std::string fresh{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const double now = seconds_since(started_);
  std::size_t begin = 0;
  for (std::size_t end = fresh.find('\n'); end != std::string::npos; end = fresh.find('\n', begin)) {
    ConsoleEvent event;
    event.line = fresh.substr(begin, end - begin);
    if (!event.line.empty() && event.line.back() == '\r') event.line.pop_back();
    event.host_seconds = now;
    event.guest_uptime = guest_uptime_of(event.line);
    console_lines_.push_back(std::move(event));
    begin = end + 1;
  }
  console_bytes_scanned_ += begin;  // a partial last line is read again next time
}

Result<ConsoleEvent> GuestVm::wait_for_console(std::string_view text, int timeout_ms) {
  const Deadline deadline = deadline_after(timeout_ms);
  for (;;) {
    scan_console();
    for (const auto& event : console_lines_) {
      if (event.line.find(text) != std::string::npos) return event;
    }
    if (const int status = qemu_.poll_exit(); status >= 0) {
      return Error{"QEMU exited (status " + std::to_string(status) + ") before the console showed '" +
                   std::string(text) + "'"};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error{"the guest console did not show '" + std::string(text) + "' within " +
                   std::to_string(timeout_ms) + " ms"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Result<CommandResult> GuestVm::run(std::string_view command, int timeout_ms) {
  if (!control_.is_open())
    return Error{"the guest control port is not usable (an earlier command timed out?)"};
  if (command.find('\n') != std::string_view::npos) return Error{"a guest command must be one line"};
  if (auto sent = control_.write_all(std::string(command) + "\n"); !sent) return sent.error();
  const Deadline deadline = deadline_after(timeout_ms);
  auto marker = control_.read_until(control_buffer_, kDoneMarker, deadline);
  // The exit status follows the marker, on the same line.
  const std::size_t status_at = marker ? *marker + std::strlen(kDoneMarker) : 0;
  auto line_end = marker ? control_.read_until(control_buffer_, "\n", deadline, status_at) : marker;
  if (line_end) {
    CommandResult result;
    result.output = control_buffer_.substr(0, *marker);
    result.status = std::atoi(control_buffer_.c_str() + status_at);
    control_buffer_.erase(0, *line_end + 1);
    return result;
  }
  control_ = UnixStream();  // the guest may still be running it: later output would be misread
  return Error{"guest command '" + std::string(command) + "': " + line_end.error().message +
               "\noutput so far: " + control_buffer_};
}

Result<CommandResult> GuestVm::run_until(std::string_view command, std::string_view text, int timeout_ms) {
  const Deadline deadline = deadline_after(timeout_ms);
  for (;;) {
    auto result = run(command, timeout_ms);
    if (!result) return result;
    if (result->output.find(text) != std::string::npos) return result;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error{"guest command '" + std::string(command) + "' did not print '" + std::string(text) +
                   "' within " + std::to_string(timeout_ms) + " ms; last output:\n" + result->output};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<void> GuestVm::screendump(const std::string& ppm_path, const std::string& device, int head) {
  const std::string which =
      device.empty() ? "" : R"(,"device":)" + json_quote(device) + R"(,"head":)" + std::to_string(head);
  auto reply = qmp_.execute(
      R"({"execute":"screendump","arguments":{"filename":)" + json_quote(ppm_path) + which + "}}", 10000);
  if (!reply) return reply.error();
  return {};
}

Result<std::string> GuestVm::monitor(std::string_view command) { return qmp_.human(command, 10000); }

Result<std::string> GuestVm::qmp(std::string_view command_json) { return qmp_.execute(command_json, 10000); }

void GuestVm::stop() {
  if (stopped_) return;
  stopped_ = true;
  control_ = UnixStream();
  if (qemu_.pid() > 0 && qemu_.poll_exit() < 0) {
    (void)qmp_.execute(R"({"execute":"quit"})", kQuitTimeoutMs);
    qemu_.wait_or_kill(kQuitTimeoutMs);
  }
  for (void* map : shm_maps_) munmap(map, options_.shm_size);
  shm_maps_.clear();
  for (const std::string& path : shm_paths_) unlink(path.c_str());
  if (!work_dir_.empty() && !keep_work_dir_) {
    std::error_code ignored;
    fs::remove_all(work_dir_, ignored);
  }
}

GuestVm::~GuestVm() { stop(); }

std::string GuestVm::diagnostics(std::size_t lines) const {
  if (work_dir_.empty()) return "";
  return "--- guest console (" + work_dir_ + "/console.log), last lines ---\n" +
         tail_lines(console_log(), lines) + "\n--- QEMU output (" + work_dir_ + "/qemu.log) ---\n" +
         tail_lines(read_file(work_dir_ + "/qemu.log"), lines);
}

}  // namespace kagami::vm_test
