# The include rule of DESIGN.md §3, checked on every header under ${ROOT}/replica:
#   cmake -DROOT=<include dir> -P check_layers.cmake
# Each folder may include only the folders listed for it below (its own among them); nothing
# below topology/ includes sim/, check/, io/ or a top-level header (replicator.hpp, the
# umbrellas); and inside topology/ a protocol includes only its own files, except sharded (which
# composes the others) and the pairs in `sibling_allowlist` (to be removed: that list only shrinks).
# Exits non-zero and lists every violation.
cmake_minimum_required(VERSION 3.21)
if(NOT ROOT)
  message(FATAL_ERROR "check_layers.cmake: pass -DROOT=<include dir>")
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)

set(below_topology core versioning commit reads cluster crdt resolve data)
set(allowed_core core)
set(allowed_versioning core versioning)
set(allowed_commit core versioning commit)
set(allowed_reads core versioning commit reads)
set(allowed_cluster core cluster)
set(allowed_crdt core versioning crdt)
set(allowed_resolve core versioning crdt resolve)
set(allowed_data core versioning crdt resolve data)
set(allowed_topology ${below_topology} topology)
set(allowed_check ${below_topology} check)
set(allowed_sim ${below_topology} topology check sim)
set(allowed_io ${below_topology} topology io)
# Includes between sibling protocols that exist today (issue 23 removes them).
set(sibling_allowlist
  "topology/leaderless_node.hpp -> multi_leader"
  "topology/leaderless/vv_siblings.hpp -> multi_leader"
  "topology/multi_leader/data.hpp -> leaderless")

# The protocol a header under topology/ belongs to: leader_based for topology/leader_based.hpp,
# topology/leader_based_node.hpp and topology/leader_based/...
function(protocol_of path out)
  string(REGEX REPLACE "^topology/" "" rest "${path}")
  string(REGEX REPLACE "/.*$" "" rest "${rest}")
  string(REGEX REPLACE "(_node)?\\.hpp$" "" rest "${rest}")
  set(${out} "${rest}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE headers RELATIVE ${ROOT}/replica ${ROOT}/replica/*.hpp)
set(violations "")
set(checked 0)
foreach(h IN LISTS headers)
  if(NOT h MATCHES "/")
    continue()  # a top-level header (replicator.hpp, describe.hpp, an umbrella) sits above every folder
  endif()
  string(REGEX REPLACE "/.*$" "" folder "${h}")
  if(NOT DEFINED allowed_${folder})
    list(APPEND violations "${h}: folder '${folder}' has no place in the layers (add it to check_layers.cmake and DESIGN.md)")
    continue()
  endif()
  file(STRINGS ${ROOT}/replica/${h} includes REGEX "^[ \t]*#[ \t]*include[ \t]*<replica/")
  foreach(line IN LISTS includes)
    math(EXPR checked "${checked} + 1")
    string(REGEX REPLACE "^[^<]*<replica/([^>]*)>.*$" "\\1" target "${line}")
    if(NOT target MATCHES "/")
      list(APPEND violations "${h} includes top-level <replica/${target}>: only programs and top-level headers may")
      continue()
    endif()
    string(REGEX REPLACE "/.*$" "" to "${target}")
    if(NOT to IN_LIST allowed_${folder})
      list(APPEND violations "${h} includes <replica/${target}>: ${folder}/ may include only ${allowed_${folder}}")
      continue()
    endif()
    if(folder STREQUAL "topology" AND to STREQUAL "topology")
      protocol_of(${h} from_protocol)
      protocol_of(${target} to_protocol)
      if(NOT from_protocol STREQUAL to_protocol AND NOT from_protocol STREQUAL "sharded"
         AND NOT "${h} -> ${to_protocol}" IN_LIST sibling_allowlist)
        list(APPEND violations "${h} includes <replica/${target}>: sibling protocols do not include each other (${from_protocol} -> ${to_protocol})")
      endif()
    endif()
  endforeach()
endforeach()

list(LENGTH headers n)
if(n EQUAL 0)
  message(FATAL_ERROR "check_layers.cmake: no header under ${ROOT}/replica")
endif()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "include rule broken (DESIGN.md §3):\n  ${text}")
endif()
message(STATUS "include rule holds: ${n} headers, ${checked} includes checked")
