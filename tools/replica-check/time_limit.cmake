# --time-limit bounds a search that would run for hours: 2,000 operations over 50 concurrent
# processes on one register, with a step budget too large to matter, answer `unknown` (exit 3)
# after the time limit rather than running on.
execute_process(COMMAND ${PYTHON} ${SOURCE}/scripts/check-histories.py 2000 50 OUTPUT_FILE ${DIR}/time_limit.edn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not make the history (${rc})")
endif()
string(TIMESTAMP t0 "%s")
execute_process(COMMAND ${TOOL} --max-steps 1000000000000 --time-limit 1 ${DIR}/time_limit.edn
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
string(TIMESTAMP t1 "%s")
math(EXPR took "${t1} - ${t0}")
if(NOT rc EQUAL 3 OR NOT out MATCHES "^unknown: .*--time-limit 1 s")
  message(FATAL_ERROR "expected unknown (exit 3), got exit ${rc}: ${out}")
endif()
if(took GREATER 20)
  message(FATAL_ERROR "--time-limit 1 answered after ${took} s")
endif()
