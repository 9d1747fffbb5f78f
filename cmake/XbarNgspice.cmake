# Finds libngspice (the shared-library build of ngspice) and checks that it has the KLU sparse
# solver, by loading a one-resistor deck with `option klu` once at configure time and looking for
# ngspice's own "Using KLU" line. Debian bookworm's ngspice 39 has no KLU (seconds per 64x64 op);
# bookworm-backports' ngspice 46 has it. Defines the imported target xbar::ngspice.
find_path(NGSPICE_INCLUDE_DIR ngspice/sharedspice.h)
find_library(NGSPICE_LIBRARY NAMES ngspice)
if(NOT NGSPICE_INCLUDE_DIR OR NOT NGSPICE_LIBRARY)
  message(FATAL_ERROR
    "libngspice not found (need ngspice/sharedspice.h and libngspice.so).\n"
    "Install libngspice0-dev and ngspice 46 from bookworm-backports: run scripts/install-deps.sh as root.")
endif()

if(NOT DEFINED XBAR_NGSPICE_KLU_CHECKED OR NOT XBAR_NGSPICE_KLU_CHECKED STREQUAL NGSPICE_LIBRARY)
  set(_probe_dir ${CMAKE_BINARY_DIR}/ngspice-klu-probe)
  try_run(_klu_run _klu_compile ${_probe_dir} ${CMAKE_CURRENT_LIST_DIR}/ngspice_klu_probe.c
          CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${NGSPICE_INCLUDE_DIR}"
          LINK_LIBRARIES ${NGSPICE_LIBRARY}
          COMPILE_OUTPUT_VARIABLE _klu_compile_out
          RUN_OUTPUT_VARIABLE _klu_out)
  if(NOT _klu_compile)
    message(FATAL_ERROR "Could not build the ngspice KLU probe against ${NGSPICE_LIBRARY}:\n${_klu_compile_out}")
  endif()
  string(STRIP "${_klu_out}" _klu_out)
  if(NOT _klu_run EQUAL 0)
    message(FATAL_ERROR
      "The libngspice at ${NGSPICE_LIBRARY} has no KLU solver (${_klu_out}).\n"
      "xbar needs ngspice >= 46 with KLU: the Sparse 1.3 build is 100x slower at 64x64.\n"
      "Run scripts/install-deps.sh as root: it adds bookworm-backports and installs libngspice0-dev from it.")
  endif()
  message(STATUS "libngspice: ${NGSPICE_LIBRARY} (${_klu_out})")
  set(XBAR_NGSPICE_KLU_CHECKED "${NGSPICE_LIBRARY}" CACHE INTERNAL "libngspice checked for KLU")
endif()

add_library(xbar::ngspice UNKNOWN IMPORTED)
set_target_properties(xbar::ngspice PROPERTIES
  IMPORTED_LOCATION "${NGSPICE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${NGSPICE_INCLUDE_DIR}")

find_program(NGSPICE_EXECUTABLE ngspice)
if(NOT NGSPICE_EXECUTABLE)
  message(WARNING "The standalone ngspice program was not found; the subprocess tests and benchmarks will fail. "
                  "Install the ngspice package from bookworm-backports (scripts/install-deps.sh).")
  set(NGSPICE_EXECUTABLE ngspice)
endif()
