# Writes OUTPUT, a C++ source defining `const char NAME[]` (NUL-terminated) and
# `const unsigned long NAME_size` with the bytes of INPUT: how the HTML report carries its
# charting library without a network.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by cmake/embed_file.cmake; do not edit.\n"
  "namespace pertoken::report::assets {\n"
  "extern const char ${NAME}[] = {${bytes}0};\n"
  "extern const unsigned long ${NAME}_size = ${size};\n"
  "}\n")
