#pragma once
// A streaming writer of the Chrome trace-event JSON format (the "JSON object format" that
// Perfetto UI and chrome://tracing open): {"displayTimeUnit": ..., "otherData": {...},
// "traceEvents": [ ... ]}. Events go to the file as they come (a buffer of about 1 MB), so a
// long run never holds its timeline in memory. Timestamps are integer picoseconds here and are
// written as microseconds with six decimals (the format's unit), which is exact.
// Opening and closing the file happen in this class only.
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

namespace gcattn::timeline {

class TraceEventWriter {
 public:
  /// Opens `path` and writes the header; other_data: a JSON object's text (run metadata).
  /// Throws InputError naming the file when it cannot be written.
  TraceEventWriter(const std::string& path, const std::string& other_data);
  /// Closes the event list if close() was not called (an error unwinding the run), so that the
  /// file is still valid JSON; never throws.
  ~TraceEventWriter();
  TraceEventWriter(const TraceEventWriter&) = delete;
  TraceEventWriter& operator=(const TraceEventWriter&) = delete;

  // Metadata ("M"): names and order of the tracks.
  void process_name(int pid, std::string_view name, int sort_index);
  void thread_name(int pid, int tid, std::string_view name, int sort_index);
  /// A complete event ("X"); args: a JSON object's text or empty.
  void complete(int pid, int tid, std::string_view name, std::string_view category,
                std::uint64_t start_ps, std::uint64_t duration_ps, std::string_view args);
  /// A counter sample ("C") of the process; args: a JSON object of the series' values.
  void counter(int pid, std::string_view name, std::uint64_t at_ps, std::string_view args);
  /// Ends the event list and the file; throws InputError when the write failed.
  void close();

  const std::string& path() const { return path_; }
  std::uint64_t events() const { return events_; }

 private:
  void begin_event();
  void flush_buffer();

  std::string path_;
  std::ofstream out_;
  std::string buf_;
  bool open_ = false;
  std::uint64_t events_ = 0;
};

/// Picoseconds as microseconds with six decimals ("12.000345"): exact, no rounding.
std::string micros(std::uint64_t ps);
/// A JSON string literal (quotes and escapes).
std::string quoted(std::string_view s);

}  // namespace gcattn::timeline
