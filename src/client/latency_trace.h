#pragma once
// An opt-in trace of where a frame's latency goes, for measuring, never for deciding anything:
// with KAGAMI_LATENCY_TRACE=FILE each stage of the client's frame path stamps CLOCK_MONOTONIC
// (the clock the agent's latency marker uses) against the frame's serial, and one line per frame
// that reached the screen is appended to FILE once its swap returned. Input events handled on
// the event thread are written too (event latency). Unset (the default) each call costs one
// relaxed atomic load. bench/client/client_e2e_bench reads the file (docs/client.md, performance).
//
// Line formats (times in ns, 0 = the stage was not seen for this frame):
//   frame SERIAL TAKEN READY WOKEN COMMITTED UPLOADED DRAWN SWAPPED
//   motion X Y HANDLED
#include <cstdint>
#include <string>
#include <vector>

namespace kagami::client::latency_trace {

enum class Stage : int {
  taken,      // frame thread: the frame message was taken from the queue
  ready,      // frame thread: the write pointer covered the last band it waited for
  woken,      // draw thread: its first wake-up by the frame thread after `taken`
  committed,  // draw thread: the frame went into the texture/image that is drawn
  uploaded,   // frame thread: Renderer::upload() returned (the frame message is released)
  drawn,      // draw thread: the draw was submitted, before the swap/present
  swapped,    // draw thread: the swap/present returned; the line is written
  count
};

bool enabled();
// Any thread. `serial` is the KVMFR frame serial.
void mark(Stage stage, std::uint32_t serial);
// Draw thread: the frame thread woke it (stamped on the frames taken and not yet woken).
void woken();
// Event thread: a pointer motion at window (x, y) was handled.
void motion(int x, int y);

// The file read back, for the benchmark and the tests: its frame and motion lines in file order
// (malformed lines skipped).
struct TracedFrame {
  std::uint32_t serial = 0;
  std::uint64_t ns[static_cast<int>(Stage::count)] = {};  // by Stage
};
struct HandledMotion {
  int x = 0, y = 0;
  std::uint64_t ns = 0;
};
struct Trace {
  std::vector<TracedFrame> frames;
  std::vector<HandledMotion> motions;
};
Trace read(const std::string& path);

}  // namespace kagami::client::latency_trace
