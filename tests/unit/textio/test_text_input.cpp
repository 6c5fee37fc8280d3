// Text input: refused files and the bounded line reader.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "textio/text_input.h"

namespace tx = pimlab::textio;

namespace {
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("check_input_file refuses a directory, a missing and an empty file by name") {
  const auto dir = std::filesystem::temp_directory_path() / "pimlab_test_textio";
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  CHECK(message_of([&] { tx::check_input_file(d, "trace"); }) == "trace '" + d + "': is a directory; expected a text file");
  CHECK(message_of([&] { tx::check_input_file(d + "/none", "trace"); }) == "cannot open trace '" + d + "/none' (no such file)");
  const std::string empty = d + "/empty.txt";
  std::ofstream(empty).close();
  CHECK(message_of([&] { tx::check_input_file(empty, "trace"); }) == "trace '" + empty + "': is empty");
  const std::string one = d + "/one.txt";
  std::ofstream(one) << "act4 0 0\n";
  CHECK_NOTHROW(tx::check_input_file(one, "trace"));
  // A device passes the check (its content is bounded by read_line).
  CHECK_NOTHROW(tx::check_input_file("/dev/zero", "trace"));
}

TEST_CASE("read_line splits lines, strips CR, and reports the last line without a newline") {
  std::istringstream is("a b\r\n\nlast");
  std::string l;
  REQUIRE(tx::read_line(is, l, "s", 1));
  CHECK(l == "a b");
  REQUIRE(tx::read_line(is, l, "s", 2));
  CHECK(l.empty());
  REQUIRE(tx::read_line(is, l, "s", 3));
  CHECK(l == "last");
  CHECK_FALSE(tx::read_line(is, l, "s", 4));
}

TEST_CASE("read_line refuses a NUL byte at once and bounds the line length") {
  std::istringstream bin(std::string("ok\n\0\0\0", 6));
  std::string l;
  REQUIRE(tx::read_line(bin, l, "f", 1));
  CHECK(message_of([&] { tx::read_line(bin, l, "f", 2); }) == "f:2: binary data (a NUL byte); expected a text file");
  // 10 characters fit a bound of 10; 11 do not.
  std::istringstream ten("0123456789\n01234567890\n");
  REQUIRE(tx::read_line(ten, l, "f", 1, 10));
  CHECK(l == "0123456789");
  CHECK(message_of([&] { tx::read_line(ten, l, "f", 2, 10); }) ==
        "f:2: line longer than 10 characters; expected a text file");
  // /dev/zero: refused on its first byte, not after reading without end.
  std::ifstream zero("/dev/zero");
  CHECK(message_of([&] { tx::read_line(zero, l, "/dev/zero", 1); }).find("/dev/zero:1: binary data") == 0);
}
