#include "timeline/trace_event_writer.h"

#include <boost/json.hpp>

#include "base/errors.h"

namespace gcattn::timeline {
namespace {

constexpr std::size_t kFlushBytes = 1 << 20;

}  // namespace

std::string micros(std::uint64_t ps) {
  std::string frac = std::to_string(ps % 1000000);
  return std::to_string(ps / 1000000) + "." + std::string(6 - frac.size(), '0') + frac;
}

std::string quoted(std::string_view s) {
  return boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

TraceEventWriter::TraceEventWriter(const std::string& path, const std::string& other_data)
    : path_(path), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_)
    throw InputError(path + ": cannot write the timeline (is the directory there and writable?)");
  open_ = true;
  buf_.reserve(kFlushBytes + 4096);
  buf_ += "{\"displayTimeUnit\":\"ns\",\"otherData\":";
  buf_ += other_data.empty() ? "{}" : other_data;
  buf_ += ",\"traceEvents\":[";
}

TraceEventWriter::~TraceEventWriter() {
  if (!open_) return;
  try {
    close();
  } catch (...) {  // unwinding already: the first error is the one to report
  }
}

void TraceEventWriter::begin_event() {
  buf_ += events_ == 0 ? "\n" : ",\n";
  ++events_;
}

void TraceEventWriter::flush_buffer() {
  out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.clear();
}

void TraceEventWriter::process_name(int pid, std::string_view name, int sort_index) {
  begin_event();
  const std::string p = std::to_string(pid);
  buf_ += "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + p +
          ",\"args\":{\"name\":" + quoted(name) + "}},\n";
  buf_ += "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":" + p +
          ",\"args\":{\"sort_index\":" + std::to_string(sort_index) + "}}";
  ++events_;
}

void TraceEventWriter::thread_name(int pid, int tid, std::string_view name, int sort_index) {
  begin_event();
  const std::string ids = "\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid);
  buf_ += "{\"ph\":\"M\",\"name\":\"thread_name\"," + ids + ",\"args\":{\"name\":" + quoted(name) +
          "}},\n";
  buf_ += "{\"ph\":\"M\",\"name\":\"thread_sort_index\"," + ids +
          ",\"args\":{\"sort_index\":" + std::to_string(sort_index) + "}}";
  ++events_;
}

void TraceEventWriter::complete(int pid, int tid, std::string_view name, std::string_view category,
                                std::uint64_t start_ps, std::uint64_t duration_ps,
                                std::string_view args) {
  begin_event();
  buf_ += "{\"ph\":\"X\",\"name\":";
  buf_ += quoted(name);
  buf_ += ",\"cat\":";
  buf_ += quoted(category);
  buf_ += ",\"ts\":" + micros(start_ps) + ",\"dur\":" + micros(duration_ps) +
          ",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid);
  if (!args.empty()) {
    buf_ += ",\"args\":";
    buf_ += args;
  }
  buf_ += "}";
  if (buf_.size() >= kFlushBytes) flush_buffer();
}

void TraceEventWriter::counter(int pid, std::string_view name, std::uint64_t at_ps,
                               std::string_view args) {
  begin_event();
  buf_ += "{\"ph\":\"C\",\"name\":";
  buf_ += quoted(name);
  buf_ += ",\"ts\":" + micros(at_ps) + ",\"pid\":" + std::to_string(pid) + ",\"args\":";
  buf_ += args;
  buf_ += "}";
  if (buf_.size() >= kFlushBytes) flush_buffer();
}

void TraceEventWriter::close() {
  if (!open_) return;
  open_ = false;
  buf_ += "\n]}\n";
  flush_buffer();
  out_.close();
  if (!out_) throw InputError(path_ + ": writing the timeline failed (disk full?)");
}

}  // namespace gcattn::timeline
