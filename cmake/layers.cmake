# layers.cmake - one static library per layer (docs/ARCHITECTURE.md, "Layers"). Each globs its
# folder, so new files land in their layer; each links only the layers it may use; and each sees
# only the headers of itself and those layers: its include path is a view (a folder of symbolic
# links under the build tree) holding just its own folder, and the views of the layers it links
# come with them. An upward include (the model including the metrics, say) fails to compile; the
# `layering_*` tests try one for every layer.
#
#   core <- algorithms, mock_api <- scenario <- model <- metrics <- sim, live, serve, report
#        report, sim <- experiment <- compare <- cli (and cli <- live, serve)
#
# Targets are layer_<name>; ratelab_core gathers them all (with the source root on its include
# path) for the tests, which may include anything.

set(RATELAB_LAYER_VIEWS ${CMAKE_BINARY_DIR}/layer_views)

# ratelab_layer(NAME FOLDER [DEPENDS layer...] [LIBRARIES lib...] [EXCLUDE regex...])
function(ratelab_layer name folder)
  cmake_parse_arguments(LAYER "" "" "DEPENDS;LIBRARIES;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.c)
  foreach(excluded ${LAYER_EXCLUDE})
    list(FILTER sources EXCLUDE REGEX ${excluded})
  endforeach()
  set(view ${RATELAB_LAYER_VIEWS}/${name})
  get_filename_component(view_parent ${view}/${folder} DIRECTORY)
  file(MAKE_DIRECTORY ${view_parent})
  file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${folder} ${view}/${folder} SYMBOLIC)
  add_library(layer_${name} STATIC ${sources})
  target_include_directories(layer_${name} PUBLIC ${view})
  list(TRANSFORM LAYER_DEPENDS PREPEND layer_)
  target_link_libraries(layer_${name} PUBLIC ${LAYER_DEPENDS} ${LAYER_LIBRARIES})
  set_property(GLOBAL APPEND PROPERTY RATELAB_LAYERS layer_${name})
endfunction()

ratelab_layer(core harness/core LIBRARIES ${MATH_LIBRARY})
target_compile_definitions(layer_core PUBLIC RATELAB_VERSION="${PROJECT_VERSION}")
# The source revision, generated at build time (CMakeLists.txt: ratelab_build_info).
target_sources(layer_core PRIVATE ${RATELAB_BUILD_INFO_GENERATED})
add_dependencies(layer_core ratelab_build_info)
ratelab_layer(algorithms algorithms DEPENDS core)
ratelab_layer(mock_api mock_api DEPENDS core)
ratelab_layer(scenario harness/scenario DEPENDS algorithms mock_api LIBRARIES PkgConfig::YAML)
ratelab_layer(model harness/model DEPENDS scenario)
ratelab_layer(metrics harness/metrics DEPENDS model)
ratelab_layer(sim harness/sim DEPENDS metrics)
ratelab_layer(live harness/live DEPENDS metrics LIBRARIES PkgConfig::LIBUV PkgConfig::HIREDIS)
target_sources(layer_live PRIVATE ${RATELAB_LUA_GENERATED})
set(RATELAB_CLI_SERVE "")
if(EXISTS ${CMAKE_SOURCE_DIR}/harness/serve)
  # The API models behind HTTP on the live loop: beside sim and live, over the books.
  ratelab_layer(serve harness/serve DEPENDS metrics LIBRARIES PkgConfig::LIBUV
    ${HTTP_PARSER_LIBRARY})
  target_include_directories(layer_serve PUBLIC ${HTTP_PARSER_INCLUDE_DIR})
  set(RATELAB_CLI_SERVE serve)
endif()
ratelab_layer(report harness/report DEPENDS metrics LIBRARIES PkgConfig::JANSSON)
target_sources(layer_report PRIVATE ${RATELAB_PLOT_SCRIPTS_C})
ratelab_layer(experiment harness/experiment DEPENDS report sim LIBRARIES Threads::Threads)
ratelab_layer(compare harness/compare DEPENDS experiment LIBRARIES PkgConfig::JANSSON)
ratelab_layer(cli harness/cli DEPENDS compare live ${RATELAB_CLI_SERVE}
  EXCLUDE ".*/harness/cli/main\\.c$")
# Test support only (the rows of docs/VALIDATION.md): linked by the tests, never by the binary.
ratelab_layer(validation harness/validation DEPENDS core)

get_property(RATELAB_LAYER_TARGETS GLOBAL PROPERTY RATELAB_LAYERS)
add_library(ratelab_core INTERFACE)
target_link_libraries(ratelab_core INTERFACE ${RATELAB_LAYER_TARGETS})
target_include_directories(ratelab_core INTERFACE ${CMAKE_SOURCE_DIR})

# The layering, checked: for each layer, a file including a header of a layer it may not use must
# fail to compile with "No such file or directory" (a test each, building its probe on demand),
# and a file including a header of a layer it may use must compile (built with everything).
set(RATELAB_LAYER_PROBES
  "core|algorithms/limiter.h|harness/core/rng.h"
  "algorithms|mock_api/api_model.h|harness/core/rng.h"
  "mock_api|algorithms/limiter.h|harness/core/dist.h"
  "scenario|harness/model/fleet.h|mock_api/api_model.h"
  "model|harness/metrics/metrics.h|harness/scenario/scenario.h"
  "metrics|harness/sim/sim_run.h|harness/model/job_observer.h"
  "sim|harness/live/live_run.h|harness/metrics/metrics.h"
  "live|harness/sim/sim_run.h|harness/metrics/metrics.h"
  "report|harness/sim/sim_run.h|harness/metrics/metrics.h"
  "experiment|harness/compare/baseline.h|harness/sim/sim_run.h"
  "compare|harness/cli/cli.h|harness/experiment/experiment.h")
set(RATELAB_PROBE_DIR ${CMAKE_BINARY_DIR}/layer_probes)
foreach(probe ${RATELAB_LAYER_PROBES})
  string(REPLACE "|" ";" probe ${probe})
  list(GET probe 0 layer)
  list(GET probe 1 forbidden)
  list(GET probe 2 allowed)
  file(WRITE ${RATELAB_PROBE_DIR}/${layer}_upward.c
    "/* Must not compile: layer ${layer} may not include ${forbidden}. */\n"
    "#include \"${forbidden}\"\nint layering_probe_${layer}_upward;\n")
  file(WRITE ${RATELAB_PROBE_DIR}/${layer}_allowed.c
    "/* Must compile: layer ${layer} may include ${allowed}. */\n"
    "#include \"${allowed}\"\nint layering_probe_${layer}_allowed;\n")
  add_library(layering_probe_${layer}_upward OBJECT EXCLUDE_FROM_ALL
    ${RATELAB_PROBE_DIR}/${layer}_upward.c)
  target_link_libraries(layering_probe_${layer}_upward PRIVATE layer_${layer})
  add_library(layering_probe_${layer}_allowed OBJECT ${RATELAB_PROBE_DIR}/${layer}_allowed.c)
  target_link_libraries(layering_probe_${layer}_allowed PRIVATE layer_${layer})
  add_test(NAME layering_${layer}_cannot_include_upward
    COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target layering_probe_${layer}_upward)
  string(REPLACE "." "\\." forbidden_regex ${forbidden})
  set_tests_properties(layering_${layer}_cannot_include_upward PROPERTIES LABELS layering
    RESOURCE_LOCK layering_build
    PASS_REGULAR_EXPRESSION "${forbidden_regex}: No such file or directory")
endforeach()
