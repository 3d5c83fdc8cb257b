# fmc_options: the compile settings every project target links (PRIVATE).
add_library(fmc_options INTERFACE)
target_compile_options(fmc_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference)
if(FMC_WERROR)
  target_compile_options(fmc_options INTERFACE -Werror)
endif()
if(FMC_SANITIZE)
  set(_fmc_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(fmc_options INTERFACE ${_fmc_san})
  target_link_options(fmc_options INTERFACE ${_fmc_san})
endif()
if(FMC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FMC_FUZZ needs clang (libFuzzer): CC=clang CXX=clang++ cmake -DFMC_FUZZ=ON ...")
  endif()
  # Every library is instrumented for coverage; only the fuzz targets link libFuzzer's main.
  set(_fmc_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(fmc_options INTERFACE ${_fmc_fuzz})
  target_link_options(fmc_options INTERFACE -fsanitize=address,undefined)
endif()
# Headers are included as "card/apdu.hpp", "crypto/bytes.hpp": the repository root is the
# include root, and the link graph (not the include path) enforces the layering; the
# layering test in tests/ checks the includes themselves.
target_include_directories(fmc_options INTERFACE ${PROJECT_SOURCE_DIR})
