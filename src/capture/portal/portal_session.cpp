#include "capture/portal/portal_session.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kagami::capture {

namespace {

constexpr const char* kBus = "org.freedesktop.portal.Desktop";
constexpr const char* kPath = "/org/freedesktop/portal/desktop";
constexpr const char* kScreenCast = "org.freedesktop.portal.ScreenCast";
// SelectSources: source types and cursor modes (bit flags of the portal's specification).
constexpr std::uint32_t kSourceMonitor = 1;
constexpr std::uint32_t kCursorHidden = 1, kCursorMetadata = 4;
constexpr std::uint32_t kPersistUntilRevoked = 2;

struct GErrorFree {
  void operator()(GError* e) const { g_error_free(e); }
};
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;
struct VariantUnref {
  void operator()(GVariant* v) const { g_variant_unref(v); }
};
using VariantPtr = std::unique_ptr<GVariant, VariantUnref>;

std::string default_token_file() {
  const char* state = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  const std::string base = state && *state ? state : std::string(home ? home : "/tmp") + "/.local/state";
  return base + "/kagami/portal-restore-token";
}

std::string read_token(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return token;
}

bool save_token(const std::string& path, const std::string& token) {
  // mkdir -p of the folder; the token lets this user's agent skip the dialog: private file.
  for (std::size_t i = 1; (i = path.find('/', i)) != std::string::npos; ++i) {
    ::mkdir(path.substr(0, i).c_str(), 0700);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return ok;
}

}  // namespace

struct PortalSession::State {
  GMainContext* context = nullptr;
  GDBusConnection* bus = nullptr;
  std::string session_handle;
  guint closed_subscription = 0;
  std::atomic<bool> closed{false};
  int counter = 0;

  // The answer of one request.
  struct Answer {
    bool arrived = false;
    std::uint32_t code = 2;
    VariantPtr results;
  };

  ~State() {
    if (bus) {
      if (!session_handle.empty()) {
        g_dbus_connection_call_sync(bus, kBus, session_handle.c_str(), "org.freedesktop.portal.Session",
                                    "Close", nullptr, nullptr, G_DBUS_CALL_FLAGS_NONE, 1000, nullptr,
                                    nullptr);
      }
      if (closed_subscription) g_dbus_connection_signal_unsubscribe(bus, closed_subscription);
      g_object_unref(bus);
    }
    if (context) g_main_context_unref(context);
  }

  std::string next_token() { return fmt::format("kagami{}_{}", ::getpid(), ++counter); }

  // The object path the portal will give the Request of a call made with `token`.
  std::string request_path(const std::string& token) const {
    std::string sender = g_dbus_connection_get_unique_name(bus) + 1;  // without the ':'
    for (char& c : sender) {
      if (c == '.') c = '_';
    }
    return fmt::format("/org/freedesktop/portal/desktop/request/{}/{}", sender, token);
  }

  static void on_response(GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*,
                          GVariant* parameters, gpointer data) {
    auto* answer = static_cast<Answer*>(data);
    guint32 code = 2;
    GVariant* results = nullptr;
    g_variant_get(parameters, "(u@a{sv})", &code, &results);
    answer->code = code;
    answer->results.reset(results);
    answer->arrived = true;
  }

  // Calls ScreenCast.`method` whose options (the last argument) get `token` as handle_token,
  // and waits for the Response.
  Result<Answer> request(const char* method, GVariant* arguments, const std::string& token, int timeout_s) {
    Answer answer;
    const std::string path = request_path(token);
    // Subscribed before the call: messages on one connection keep their order, so the bus has
    // the match rule before the portal can answer.
    const guint subscription = g_dbus_connection_signal_subscribe(
        bus, kBus, "org.freedesktop.portal.Request", "Response", path.c_str(), nullptr,
        G_DBUS_SIGNAL_FLAGS_NONE, &State::on_response, &answer, nullptr);
    GError* raw = nullptr;
    VariantPtr reply(g_dbus_connection_call_sync(bus, kBus, kPath, kScreenCast, method, arguments, nullptr,
                                                 G_DBUS_CALL_FLAGS_NONE, 10000, nullptr, &raw));
    ErrorPtr error(raw);
    if (!reply) {
      g_dbus_connection_signal_unsubscribe(bus, subscription);
      return Error{fmt::format("ScreenCast.{} failed: {}", method, error ? error->message : "no reply")};
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (!answer.arrived && std::chrono::steady_clock::now() < deadline) {
      if (!g_main_context_iteration(context, FALSE)) g_usleep(2000);
    }
    g_dbus_connection_signal_unsubscribe(bus, subscription);
    if (!answer.arrived) {
      return Error{
          fmt::format("ScreenCast.{}: no answer within {} s (a dialog nobody answered?)", method, timeout_s)};
    }
    if (answer.code == 1) {
      return Error{fmt::format("the user declined screen sharing (ScreenCast.{} was cancelled)", method)};
    }
    if (answer.code != 0) {
      return Error{
          fmt::format("ScreenCast.{} failed in the portal's backend (response {}); its log says why "
                      "(xdg-desktop-portal-wlr "
                      "0.7 cannot cast from a compositor without DMA-BUF, e.g. software rendering)",
                      method, answer.code)};
    }
    return answer;
  }
};

PortalSession::PortalSession(PortalConfig config)
    : config_(std::move(config)),
      token_file_(config_.token_file.empty() ? default_token_file() : config_.token_file) {}

PortalSession::~PortalSession() = default;

bool PortalSession::closed() {
  if (!state_) return false;
  while (g_main_context_iteration(state_->context, FALSE)) {
  }
  return state_->closed.load();
}

Result<PortalStream> PortalSession::open() {
  state_ = std::make_unique<State>();
  State& s = *state_;
  s.context = g_main_context_new();
  g_main_context_push_thread_default(s.context);
  struct Pop {
    GMainContext* c;
    ~Pop() { g_main_context_pop_thread_default(c); }
  } pop{s.context};

  GError* raw = nullptr;
  s.bus = g_bus_get_sync(G_BUS_TYPE_SESSION, nullptr, &raw);
  ErrorPtr error(raw);
  if (!s.bus) {
    return Error{fmt::format("no D-Bus session bus ({}): the portal needs a desktop session",
                             error ? error->message : "unknown error")};
  }
  // Is there a ScreenCast portal at all? Its version property answers cheaply.
  raw = nullptr;
  VariantPtr version_reply(g_dbus_connection_call_sync(s.bus, kBus, kPath, "org.freedesktop.DBus.Properties",
                                                       "Get", g_variant_new("(ss)", kScreenCast, "version"),
                                                       G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                                       nullptr, &raw));
  error.reset(raw);
  if (!version_reply) {
    return Error{
        fmt::format("no screen-cast portal on the session bus ({}): install and run xdg-desktop-portal with "
                    "the backend of "
                    "this desktop (xdg-desktop-portal-gnome, -kde or -wlr)",
                    error ? error->message : "no reply")};
  }
  std::uint32_t version = 0, cursor_modes = 0;
  {
    GVariant* v = nullptr;
    g_variant_get(version_reply.get(), "(v)", &v);
    version = g_variant_get_uint32(v);
    g_variant_unref(v);
  }
  VariantPtr modes_reply(
      g_dbus_connection_call_sync(s.bus, kBus, kPath, "org.freedesktop.DBus.Properties", "Get",
                                  g_variant_new("(ss)", kScreenCast, "AvailableCursorModes"),
                                  G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, 10000, nullptr, nullptr));
  if (modes_reply) {
    GVariant* v = nullptr;
    g_variant_get(modes_reply.get(), "(v)", &v);
    cursor_modes = g_variant_get_uint32(v);
    g_variant_unref(v);
  }

  // 1. CreateSession.
  std::string token = s.next_token();
  const std::string session_token = s.next_token();
  GVariantBuilder options;
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "handle_token", g_variant_new_string(token.c_str()));
  g_variant_builder_add(&options, "{sv}", "session_handle_token",
                        g_variant_new_string(session_token.c_str()));
  auto created = s.request("CreateSession", g_variant_new("(a{sv})", &options), token, 30);
  if (!created) return created.error();
  const char* handle = nullptr;
  if (!g_variant_lookup(created->results.get(), "session_handle", "&s", &handle) || !handle) {
    return Error{"ScreenCast.CreateSession answered without a session handle"};
  }
  s.session_handle = handle;
  s.closed_subscription = g_dbus_connection_signal_subscribe(
      s.bus, kBus, "org.freedesktop.portal.Session", "Closed", s.session_handle.c_str(), nullptr,
      G_DBUS_SIGNAL_FLAGS_NONE,
      [](GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*, GVariant*, gpointer data) {
        static_cast<State*>(data)->closed = true;
      },
      &s, nullptr);

  // 2. SelectSources: one monitor; the cursor as metadata where the portal can.
  PortalStream stream;
  stream.cursor_metadata = (cursor_modes & kCursorMetadata) != 0;
  const std::string saved = read_token(token_file_);
  token = s.next_token();
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "handle_token", g_variant_new_string(token.c_str()));
  g_variant_builder_add(&options, "{sv}", "types", g_variant_new_uint32(kSourceMonitor));
  g_variant_builder_add(&options, "{sv}", "multiple", g_variant_new_boolean(FALSE));
  if (cursor_modes != 0) {
    g_variant_builder_add(&options, "{sv}", "cursor_mode",
                          g_variant_new_uint32(stream.cursor_metadata ? kCursorMetadata : kCursorHidden));
  }
  if (version >= 4) {
    g_variant_builder_add(&options, "{sv}", "persist_mode", g_variant_new_uint32(kPersistUntilRevoked));
    if (!saved.empty())
      g_variant_builder_add(&options, "{sv}", "restore_token", g_variant_new_string(saved.c_str()));
  }
  auto selected =
      s.request("SelectSources", g_variant_new("(oa{sv})", s.session_handle.c_str(), &options), token, 30);
  if (!selected) return selected.error();

  // 3. Start: where the desktop asks the user (unless the restore token was accepted).
  token = s.next_token();
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "handle_token", g_variant_new_string(token.c_str()));
  auto started = s.request("Start", g_variant_new("(osa{sv})", s.session_handle.c_str(), "", &options), token,
                           config_.answer_timeout_s);
  if (!started) return started.error();
  const char* restore = nullptr;
  if (g_variant_lookup(started->results.get(), "restore_token", "&s", &restore) && restore && *restore) {
    stream.restored = !saved.empty();
    stream.token_saved = save_token(token_file_, restore);
  }
  GVariant* streams = g_variant_lookup_value(started->results.get(), "streams", G_VARIANT_TYPE("a(ua{sv})"));
  if (!streams || g_variant_n_children(streams) == 0) {
    if (streams) g_variant_unref(streams);
    return Error{"the portal started sharing but offered no stream"};
  }
  {
    GVariant* properties = nullptr;
    g_variant_get_child(streams, 0, "(u@a{sv})", &stream.node_id, &properties);
    gint32 w = 0, h = 0;
    if (g_variant_lookup(properties, "size", "(ii)", &w, &h) && w > 0 && h > 0) {
      stream.width = static_cast<std::uint32_t>(w);
      stream.height = static_cast<std::uint32_t>(h);
    }
    g_variant_unref(properties);
    g_variant_unref(streams);
  }

  // 4. OpenPipeWireRemote: the fd PipeWire is reached through.
  GUnixFDList* fds = nullptr;
  raw = nullptr;
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  VariantPtr remote(g_dbus_connection_call_with_unix_fd_list_sync(
      s.bus, kBus, kPath, kScreenCast, "OpenPipeWireRemote",
      g_variant_new("(oa{sv})", s.session_handle.c_str(), &options), G_VARIANT_TYPE("(h)"),
      G_DBUS_CALL_FLAGS_NONE, 10000, nullptr, &fds, nullptr, &raw));
  error.reset(raw);
  if (!remote || !fds) {
    if (fds) g_object_unref(fds);
    return Error{fmt::format("ScreenCast.OpenPipeWireRemote failed: {}", error ? error->message : "no fd")};
  }
  gint32 index = 0;
  g_variant_get(remote.get(), "(h)", &index);
  raw = nullptr;
  stream.pipewire_fd = g_unix_fd_list_get(fds, index, &raw);
  error.reset(raw);
  g_object_unref(fds);
  if (stream.pipewire_fd < 0) return Error{"the portal's PipeWire fd could not be received"};
  return stream;
}

}  // namespace kagami::capture
