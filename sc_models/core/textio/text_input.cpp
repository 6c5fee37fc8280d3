#include "textio/text_input.h"

#include <filesystem>
#include <fstream>
#include <istream>
#include <stdexcept>
#include <system_error>

namespace pimlab::textio {

void check_input_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  const std::string name = what + " '" + path + "': ";
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw std::invalid_argument("cannot open " + what + " '" + path + "' (no such file)");
  if (fs::is_directory(st)) throw std::invalid_argument(name + "is a directory; expected a text file");
  std::ifstream probe(path);
  if (!probe) throw std::invalid_argument("cannot open " + what + " '" + path + "' (not readable)");
  if (fs::is_regular_file(st) && fs::file_size(path, ec) == 0 && !ec)
    throw std::invalid_argument(name + "is empty");
}

bool read_line(std::istream& is, std::string& line, const std::string& source, std::size_t line_no,
               std::size_t max_length) {
  line.clear();
  std::streambuf* sb = is.rdbuf();
  if (!sb || !is.good()) return false;
  bool any = false;
  try {
    for (;;) {
      const int c = sb->sbumpc();
      if (c == std::char_traits<char>::eof()) {
        is.setstate(std::ios::eofbit);
        break;
      }
      any = true;
      if (c == '\n') break;
      if (c == '\0')
        throw std::invalid_argument(source + ":" + std::to_string(line_no) +
                                    ": binary data (a NUL byte); expected a text file");
      if (line.size() >= max_length)
        throw std::invalid_argument(source + ":" + std::to_string(line_no) + ": line longer than " +
                                    std::to_string(max_length) + " characters; expected a text file");
      line.push_back(static_cast<char>(c));
    }
  } catch (const std::ios_base::failure& e) {
    // libstdc++'s file buffer throws on a read error (EISDIR, EIO).
    throw std::invalid_argument(source + ":" + std::to_string(line_no) + ": cannot be read: " + e.what());
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return any;
}

std::optional<std::uint64_t> parse_hex_address(const std::string& t) {
  if (t.size() < 3 || t.size() > 2 + 16 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X') ||
      t.find_first_not_of("0123456789abcdefABCDEF", 2) != std::string::npos)
    return std::nullopt;
  return std::stoull(t.substr(2), nullptr, 16);
}

}  // namespace pimlab::textio
