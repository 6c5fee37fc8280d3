# Writes a C++ source that defines `const char* const pimlab::workload::embedded::<SYMBOL>`
# holding the text of INPUT, as adjacent raw string literals of at most 16 000 characters.
#   cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P embed_text.cmake
file(READ "${INPUT}" text)
string(LENGTH "${text}" len)
set(out "// Generated from ${INPUT} by embed_text.cmake; do not edit.\n")
string(APPEND out "namespace pimlab::workload::embedded {\nextern const char* const ${SYMBOL};\nconst char* const ${SYMBOL} =\n")
set(pos 0)
while(pos LESS len)
  string(SUBSTRING "${text}" ${pos} 16000 piece)
  string(APPEND out "R\"pimlab(${piece})pimlab\"\n")
  math(EXPR pos "${pos} + 16000")
endwhile()
string(APPEND out ";\n}  // namespace pimlab::workload::embedded\n")
file(WRITE "${OUTPUT}" "${out}")
