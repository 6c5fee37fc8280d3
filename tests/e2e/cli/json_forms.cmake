# cmake -DCMD="pimlab|cmd|args..." -DOUT=dir -P json_forms.cmake
# `--json [FILE|-]` means the same on every command:
#   --json        standard output is the JSON document alone
#   --json -      the same bytes
#   --json FILE   FILE holds the same bytes; standard output carries the table
# (the command's output must be deterministic: no wall times in its document).
cmake_minimum_required(VERSION 3.22)
include(${CMAKE_CURRENT_LIST_DIR}/../json_document.cmake)
string(REPLACE "|" ";" cmd "${CMD}")
file(MAKE_DIRECTORY "${OUT}")
set(file "${OUT}/doc.json")
file(REMOVE "${file}")

function(run_form label)
  execute_process(COMMAND ${cmd} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${label}: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()


run_form("--json" --json)
set(alone "${out}")
pimlab_check_json_document("--json" "${alone}")

run_form("--json -" --json -)
if(NOT out STREQUAL alone)
  message(FATAL_ERROR "--json - differs from --json:\n${out}")
endif()

run_form("--json FILE" --json "${file}")
set(table "${out}")
if(NOT EXISTS "${file}")
  message(FATAL_ERROR "--json FILE: ${file} not written")
endif()
file(READ "${file}" written)
if(NOT written STREQUAL alone)
  message(FATAL_ERROR "--json FILE: the file differs from the document of --json:\n${written}")
endif()
string(STRIP "${table}" t)
if(t STREQUAL "" OR t MATCHES "^[{[]")
  message(FATAL_ERROR "--json FILE: standard output should carry the table, got:\n${table}")
endif()

# --json=FILE is the same option.
file(REMOVE "${file}")
run_form("--json=FILE" "--json=${file}")
file(READ "${file}" written)
if(NOT written STREQUAL alone)
  message(FATAL_ERROR "--json=FILE: the file differs from the document of --json")
endif()
message(STATUS "--json, --json -, --json FILE and --json=FILE agree (${CMD})")
