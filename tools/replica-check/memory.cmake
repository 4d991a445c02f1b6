# Memory stays within about 20 times the input plus a fixed 8 MB (docs/replica-check.md): a
# 10,000-operation history over 50 processes on one register (about 1 MB), whose search fills
# any cache, runs for 3 s under an address-space limit of 20 times the file plus 16 MB (address
# space counts the program's and its libraries' mappings, more than their resident part; it
# needed about 27 MB here, the cache capped at 150 MB before far more), and must answer
# `unknown` (exit 3) at its time limit, not die for want of memory.
execute_process(COMMAND ${PYTHON} ${SOURCE}/scripts/check-histories.py 10000 50 OUTPUT_FILE ${DIR}/memory.edn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not make the history (${rc})")
endif()
file(SIZE ${DIR}/memory.edn bytes)
math(EXPR limit_kb "20 * ${bytes} / 1024 + 16384")
execute_process(COMMAND sh -c "ulimit -v ${limit_kb} && exec \"$0\" --max-steps 1000000000000 --time-limit 3 \"$1\""
                        ${TOOL} ${DIR}/memory.edn
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 3 OR NOT out MATCHES "^unknown: ")
  message(FATAL_ERROR "expected unknown (exit 3) within ${limit_kb} KiB of address space, got exit ${rc}: ${out}${err}")
endif()
