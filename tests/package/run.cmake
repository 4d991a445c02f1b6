# Builds tests/package as a separate project and runs it.
# -DMODE=find_package: installs the library into WORK_DIR/prefix first, then find_package()s it.
# -DMODE=add_subdirectory: adds the source tree with add_subdirectory().
file(REMOVE_RECURSE ${WORK_DIR})
set(consumer_src ${SOURCE_DIR}/tests/package)

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()

if(MODE STREQUAL "find_package")
  # Install a copy of the library alone, as a user would: configure without tests or examples.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -G Ninja -DCMAKE_CXX_COMPILER=${CXX}
      -DREPLICA_BUILD_TESTS=OFF -DREPLICA_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib)
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK_DIR}/consumer -G Ninja -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DREPLICA_CONSUMER_MODE=find_package)
else()
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK_DIR}/consumer -G Ninja -DCMAKE_CXX_COMPILER=${CXX}
      -DREPLICA_CONSUMER_MODE=add_subdirectory -DREPLICA_SOURCE_DIR=${SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
