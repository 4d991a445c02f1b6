#pragma once
// A named composition replica-server can run (`--model NAME`). Each family's models are made
// in their own file (models_*.cpp, compiled in parallel); main.cpp lists them.

#include "server.hpp"

#include <replica/describe.hpp>

#include <functional>
#include <string>
#include <vector>

namespace replica_server {

struct model {
  std::string name;
  std::string what;  ///< one line for --help: what describe() reads off the type
  std::function<int(options)> serve;
};

template <class R>
std::string what_of() {
  const replica::description d = replica::describe<R>();
  if (d.resolver == "no_resolver") return d.topology + ", " + d.commit + ", " + d.reads;  // one writer: nothing to resolve
  return d.topology + ", " + d.commit + ", " + d.resolver + ", " + d.versioning + ", " + d.reads;
}

std::vector<model> leader_based_models();
std::vector<model> leaderless_models();
std::vector<model> multi_leader_models();

}  // namespace replica_server
