// One source of truth for the register map: every table of docs/register-map.md is parsed and
// checked against the #defines of model/include/gcattn/gcattn_regs.h, in both directions
// (what the page lists exists in the header with the same value, and every register, bit,
// command, error and response code of the header is on the page).
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gcattn/gcattn_regs.h"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t`");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t`");
  return s.substr(b, e - b + 1);
}

std::uint64_t number(const std::string& text) {
  std::string t = trim(text);
  while (!t.empty() && (t.back() == 'u' || t.back() == 'U')) t.pop_back();
  std::size_t used = 0;
  const std::uint64_t v = std::stoull(t, &used, 0);
  INFO("number '" << text << "'");
  REQUIRE(used == t.size());
  return v;
}

/// Object-like macros of the header whose value is a plain literal.
std::map<std::string, std::uint64_t> header_macros(const std::string& text) {
  std::map<std::string, std::uint64_t> m;
  const std::regex def(
      R"(^#define\s+(GCATTN_[A-Z0-9_]+)\s+(0x[0-9A-Fa-f]+u?|[0-9]+u?)\s*(/\*.*)?$)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch mm;
    if (std::regex_match(line, mm, def)) m[mm[1]] = number(mm[2]);
  }
  return m;
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// Markdown tables: runs of lines starting with '|'; "\|" inside a cell is not a separator.
std::vector<Table> markdown_tables(const std::string& text) {
  std::vector<Table> tables;
  std::istringstream in(text);
  std::string line;
  Table cur;
  bool in_table = false;
  auto split = [](std::string l) {
    std::string s;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '\\' && i + 1 < l.size() && l[i + 1] == '|') {
        s += '\x01';
        ++i;
      } else {
        s += l[i];
      }
    }
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < s.size(); ++i) {  // skip the leading '|'
      if (s[i] == '|') {
        for (auto& c : cell)
          if (c == '\x01') c = '|';
        cells.push_back(trim(cell));
        cell.clear();
      } else {
        cell += s[i];
      }
    }
    return cells;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '|') {
      auto cells = split(line);
      if (!in_table) {
        cur = Table{cells, {}};
        in_table = true;
      } else if (!cells.empty() && cells[0].find("---") == 0) {
        continue;
      } else {
        cur.rows.push_back(cells);
      }
    } else if (in_table) {
      tables.push_back(cur);
      in_table = false;
    }
  }
  if (in_table) tables.push_back(cur);
  return tables;
}

std::string snake_upper(const std::string& camel) {
  std::string s;
  for (std::size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) s += '_';
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

bool starts_with(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

}  // namespace

TEST_CASE("Register map document agrees with gcattn_regs.h", "[systemc][regmap][regs_header]") {
  const std::string src = GCATTN_SOURCE_DIR;
  const auto macros = header_macros(read_text(src + "/model/include/gcattn/gcattn_regs.h"));
  const auto tables = markdown_tables(read_text(src + "/docs/register-map.md"));

  // The parser reads what the compiler sees.
  REQUIRE(macros.size() > 80);
  CHECK(macros.at("GCATTN_REG_DMA_LAST_PS") == GCATTN_REG_DMA_LAST_PS);
  CHECK(macros.at("GCATTN_SCALER_BASE") == GCATTN_SCALER_BASE);
  CHECK(macros.at("GCATTN_ERR_DMA_DESCRIPTOR") == GCATTN_ERR_DMA_DESCRIPTOR);
  CHECK(macros.at("GCATTN_VERSION_VALUE") == GCATTN_VERSION_VALUE);

  std::set<std::string> documented;  // macros the page accounts for
  auto expect = [&](const std::string& name, std::uint64_t value, const std::string& where) {
    INFO(where << ": " << name);
    documented.insert(name);
    const auto it = macros.find(name);
    CHECK(it != macros.end());
    if (it != macros.end()) CHECK(it->second == value);
  };
  // "0x10", "0x10 - 0x1F" or "0x100 -" (open end); group 3: the end.
  const std::regex range_re(R"(^(0x[0-9A-Fa-f]+)(\s*-\s*(0x[0-9A-Fa-f]+)?)?$)");
  std::set<std::string> kinds;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> reserved;  // register ranges, reserved

  for (const Table& t : tables) {
    const auto& h = t.header;
    if (h == std::vector<std::string>{"Range", "Size", "Block", "Access"}) {
      kinds.insert("address space");
      std::uint64_t next = 0;
      for (const auto& r : t.rows) {
        std::smatch m;
        INFO("row " << r[0] << " | " << r[1]);
        REQUIRE(std::regex_match(r[0], m, range_re));
        const std::uint64_t lo = number(m[1]);
        CHECK(lo == next);  // the ranges tile the space
        const std::regex bold(R"(\*\*([A-Z_]+)\*\*)"), macro(R"(`(GCATTN_[A-Z_]+)`)");
        std::smatch b;
        if (m[3].matched) {
          const std::uint64_t hi = number(m[3]);
          next = hi + 1;
          if (std::regex_search(r[2], b, bold)) {
            expect("GCATTN_" + b[1].str() + "_BASE", lo, "address space");
            expect("GCATTN_" + b[1].str() + "_SIZE", hi - lo + 1, "address space");
          }
        } else {
          REQUIRE(std::regex_search(r[2], b, macro));
          expect(b[1], lo, "address space end");
        }
      }
    } else if (h == std::vector<std::string>{"Offset", "Name", "Access", "Reset", "Description"}) {
      kinds.insert("registers");
      for (const auto& r : t.rows) {
        std::smatch m;
        INFO("row " << r[0] << " | " << r[1]);
        REQUIRE(std::regex_match(r[0], m, range_re));
        const std::uint64_t lo = number(m[1]);
        const std::uint64_t hi = m[3].matched ? number(m[3]) : lo;
        const std::string& name = r[1];
        if (name == "reserved") {
          reserved.emplace_back(lo, hi);
          continue;
        }
        const std::regex array_re(R"(^([A-Z_]+)\[0\.\.([0-9]+)\]$)");
        std::smatch a;
        if (std::regex_match(name, a, array_re)) {
          const std::uint64_t n = number(a[2]) + 1;
          CHECK((hi - lo) / 4 + 1 == n);
          expect("GCATTN_REG_" + a[1].str() + "0", lo, "register array");
          if (a[1] == "PHASE_PS") expect("GCATTN_PHASE_COUNT", n, "register array");
        } else {
          CHECK(lo == hi);
          expect("GCATTN_REG_" + name, lo, "register");
        }
        // A literal reset value of an identification register equals GCATTN_<name>_VALUE.
        if (starts_with(r[3], "0x") && macros.count("GCATTN_" + name + "_VALUE"))
          expect("GCATTN_" + name + "_VALUE", number(r[3]), "reset value");
        // "bit N FIELD" in a description agrees with the bit macros.
        const std::regex bit_re(R"(bit ([0-9]+) ([A-Z_]+))");
        const std::string group = starts_with(name, "IRQ_") ? "IRQ" : name;
        for (std::sregex_iterator it(r[4].begin(), r[4].end(), bit_re), end; it != end; ++it) {
          expect("GCATTN_" + group + "_" + (*it)[2].str(), 1ull << number((*it)[1]),
                 "register description");
        }
      }
    } else if (h == std::vector<std::string>{"Register", "Bit", "Field", "Meaning"}) {
      kinds.insert("bits");
      for (const auto& r : t.rows) {
        const std::string group = r[0] == "IRQ_*" ? "IRQ" : r[0];
        expect("GCATTN_" + group + "_" + r[2], 1ull << number(r[1]), "bit field");
      }
    } else if (h == std::vector<std::string>{"Value", "Name", "Meaning"}) {
      kinds.insert("commands");
      for (const auto& r : t.rows) expect("GCATTN_CMD_" + r[1], number(r[0]), "command");
    } else if (h == std::vector<std::string>{"Code", "Name", "TLM response", "Cause"}) {
      kinds.insert("errors");
      for (const auto& r : t.rows) expect("GCATTN_ERR_" + snake_upper(r[1]), number(r[0]), "error");
    } else if (h == std::vector<std::string>{"Value", "Name", "TLM status"}) {
      kinds.insert("dma responses");
      for (const auto& r : t.rows) expect("GCATTN_DMA_RESP_" + r[1], number(r[0]), "response");
    } else if (h.size() == 4 && h[0] == "i" && h[1] == "Field") {
      kinds.insert("scalers");
      for (const auto& r : t.rows) expect("GCATTN_SCALER_" + r[1], number(r[0]), "scaler word");
      expect("GCATTN_SCALER_WORDS", t.rows.size(), "scaler words");
    }
  }
  CHECK(kinds == std::set<std::string>{"address space", "registers", "bits", "commands", "errors",
                                       "dma responses", "scalers"});

  // The other direction: every literal macro of the header is on the page.
  for (const auto& [name, value] : macros) {
    INFO("header macro " << name << " = " << value << " is not on docs/register-map.md");
    CHECK(documented.count(name) == 1);
  }
  // No register lies in a reserved range; every register is in a register block.
  for (const auto& [name, value] : macros) {
    if (!starts_with(name, "GCATTN_REG_")) continue;
    INFO(name);
    for (const auto& [lo, hi] : reserved) CHECK_FALSE((value >= lo && value <= hi));
    const bool regs = value < GCATTN_REGS_BASE + GCATTN_REGS_SIZE;
    const bool dma =
        value >= GCATTN_DMA_REGS_BASE && value < GCATTN_DMA_REGS_BASE + GCATTN_DMA_REGS_SIZE;
    CHECK((regs || dma));
  }
}
