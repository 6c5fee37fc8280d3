// Catch2 runner as sc_main: libsystemc.so provides main() and calls sc_main.
// ctest runs each TEST_CASE in its own process (SystemC elaborates once per
// process).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <systemc>

int sc_main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
