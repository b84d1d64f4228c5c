# man_page.cmake - writes OUTPUT (the man page ratelab.1) and OUTPUT.gz from TEMPLATE, filling
# @VERSION@, @OVERVIEW@ (the text of `ratelab --help`) and @COMMANDS@ (a section per command of
# that text, holding `ratelab COMMAND --help`). The page never says what the binary does not.
# Run by the build: cmake -DRATELAB=binary -DTEMPLATE=... -DVERSION=... -DOUTPUT=... -P
cmake_minimum_required(VERSION 3.25)
foreach(required RATELAB TEMPLATE VERSION OUTPUT)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "man_page.cmake: -D${required}=... is required")
  endif()
endforeach()

# help_text(OUT ARGS...): the standard output of `ratelab ARGS...`, which must exit 0.
function(help_text out)
  execute_process(COMMAND ${RATELAB} ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "man_page.cmake: `ratelab ${ARGN}` exited ${status}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# roff_literal(OUT TEXT): TEXT as a block printed line for line, escaped so that roff prints
# every character as it is (backslash, minus, quotes, a leading dot).
function(roff_literal out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REPLACE "`" "\\(ga" text "${text}")
  string(REPLACE "'" "\\(aq" text "${text}")
  string(REGEX REPLACE "(^|\n)\\." "\\1\\\\&." text "${text}")
  string(REGEX REPLACE "\n$" "" text "${text}")
  set(${out} ".PP\n.nf\n${text}\n.fi" PARENT_SCOPE)
endfunction()

help_text(overview --help)
roff_literal(overview_roff "${overview}")

# The commands are the lines "  NAME [ARGS]  what it does" of the overview, but `help`.
string(REGEX MATCHALL "\n  [a-z][a-z-]* " command_lines "${overview}")
set(commands_roff "")
foreach(line ${command_lines})
  string(STRIP "${line}" command)
  if(command STREQUAL "help")
    continue()
  endif()
  help_text(command_help ${command} --help)
  roff_literal(command_roff "${command_help}")
  string(APPEND commands_roff ".SS ${command}\n${command_roff}\n")
endforeach()
if(commands_roff STREQUAL "")
  message(FATAL_ERROR "man_page.cmake: no command found in `ratelab --help`")
endif()
string(REGEX REPLACE "\n$" "" commands_roff "${commands_roff}")

file(READ ${TEMPLATE} page)
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@OVERVIEW@" "${overview_roff}" page "${page}")
string(REPLACE "@COMMANDS@" "${commands_roff}" page "${page}")
file(WRITE ${OUTPUT} "${page}")

# Debian installs man pages compressed; -n leaves the time out, so the bytes depend on the text.
execute_process(COMMAND gzip -9 -n -c ${OUTPUT} OUTPUT_FILE ${OUTPUT}.gz RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: gzip exited ${status}")
endif()
