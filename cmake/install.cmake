# install.cmake - what `cmake --install` puts where, the man page, and the Debian package (CPack).
# Included by the last line of CMakeLists.txt; needs the `ratelab` target.
#
# Layout under the prefix (/usr for the .deb, /usr/local by default):
#   bin/ratelab                         the binary; the Lua and gnuplot scripts are built into it,
#                                       so it needs no other file at run time
#   share/man/man1/ratelab.1.gz         the man page, made at build time from the --help texts
#   share/ratelab/examples/             scenarios to run as they are: demo.yaml, stampede.yaml,
#                                       seed/ with its baseline.json, bench/, and the format
#                                       (README.md)
#   share/doc/ratelab/                  README.md, CHANGELOG.md, docs/
# Results folders go to results/runs/ under the directory ratelab is run from (or --out).
include(GNUInstallDirs)

# The man page: cmake/man_page.cmake runs the binary just built for `ratelab --help` and each
# command's --help, and puts them between the hand-written sections of docs/ratelab.1.in.
set(RATELAB_MAN_TEMPLATE ${CMAKE_SOURCE_DIR}/docs/ratelab.1.in)
set(RATELAB_MAN_PAGE ${CMAKE_BINARY_DIR}/ratelab.1)
add_custom_command(OUTPUT ${RATELAB_MAN_PAGE} ${RATELAB_MAN_PAGE}.gz
  COMMAND ${CMAKE_COMMAND} -DRATELAB=$<TARGET_FILE:ratelab> -DTEMPLATE=${RATELAB_MAN_TEMPLATE}
          -DVERSION=${PROJECT_VERSION} -DOUTPUT=${RATELAB_MAN_PAGE}
          -P ${CMAKE_SOURCE_DIR}/cmake/man_page.cmake
  DEPENDS ratelab ${RATELAB_MAN_TEMPLATE} ${CMAKE_SOURCE_DIR}/cmake/man_page.cmake
  COMMENT "Writing the man page ratelab.1 from the --help texts"
  VERBATIM)
add_custom_target(ratelab_man ALL DEPENDS ${RATELAB_MAN_PAGE})

install(TARGETS ratelab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${RATELAB_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(RATELAB_EXAMPLES_DIR ${CMAKE_INSTALL_DATADIR}/ratelab/examples)
install(FILES ${CMAKE_SOURCE_DIR}/scenarios/demo.yaml ${CMAKE_SOURCE_DIR}/scenarios/stampede.yaml
  ${CMAKE_SOURCE_DIR}/scenarios/README.md DESTINATION ${RATELAB_EXAMPLES_DIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scenarios/seed ${CMAKE_SOURCE_DIR}/scenarios/bench
  DESTINATION ${RATELAB_EXAMPLES_DIR} FILES_MATCHING PATTERN "*.yaml")
# The baseline of the seed scenarios, beside them: `ratelab compare seed/*.yaml --baseline
# seed/baseline.json` checks a build against the figures this release was made with.
install(FILES ${CMAKE_SOURCE_DIR}/results/baseline.json DESTINATION ${RATELAB_EXAMPLES_DIR}/seed)

install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
  FILES_MATCHING PATTERN "*.md" PATTERN "*.png")

# The Debian package: `cpack -G DEB` in the build folder writes ratelab_VERSION_amd64.deb.
# Depends comes from dpkg-shlibdeps, which reads the libraries the binary links against (libc6,
# libhiredis0.14, libhttp-parser2.9, libjansson4, libjemalloc2, libuv1, libyaml-0-2 on Debian 12);
# tests/package/test_deb.sh checks the list. gnuplot-nox draws the figures and redis-server
# serves `run --live`: both optional, so recommended. The Containerfile installs the .deb and
# the same recommended packages (tests/package/test_containerfile.sh keeps them in step).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ratelab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "testbed for outbound rate limiters across many pods")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "ratelab runs limiter algorithms (GCRA, token and leaky \
buckets, fixed and sliding windows) inside many simulated pods against mock upstream APIs, \
through a simulated or a real Redis, and reports 429 rate, latency, wasted quota, bursts and \
fairness.")
set(CPACK_PACKAGE_CONTACT "ratelab developers <dev@ratelab.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox, redis-server")
set(CPACK_STRIP_FILES ON)
include(CPack)

# The tests of what is installed (label e2e, run by CI with the rest): tests/package/. A build
# with sanitizers links their libraries, which are no dependency of the package ratelab ships:
# there test_deb.sh, which checks the package's Depends, does not run.
file(GLOB RATELAB_PACKAGE_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/package/test_*.sh)
if(RATELAB_SANITIZE)
  list(FILTER RATELAB_PACKAGE_TESTS EXCLUDE REGEX ".*/test_deb\\.sh$")
endif()
foreach(test_script ${RATELAB_PACKAGE_TESTS})
  get_filename_component(test_name ${test_script} NAME_WE)
  string(REGEX REPLACE "^test_" "package_" test_name ${test_name})
  add_test(NAME ${test_name} COMMAND bash ${test_script} $<TARGET_FILE:ratelab> ${CMAKE_BINARY_DIR}
    ${CMAKE_SOURCE_DIR})
  set_tests_properties(${test_name} PROPERTIES LABELS e2e TIMEOUT 600)
endforeach()
