#pragma once
/// \file
/// The versions a leaderless replica keeps for a key: usually one (LWW always, siblings after a
/// resolved write), two when writes were concurrent, more only under contention. A
/// `boost::container::small_vector` with room for `N` in place, whose copies go element by
/// element: small_vector's own copy goes through `memmove`, a library call for one or two
/// versions of a few dozen bytes, and a key's versions are copied on every write (into the store,
/// the persisted record and each replica's message). In the coordinator fan-out benchmark that
/// call and its set-up were about a tenth of the instructions of a request.
///
///   replica::sibling_list<versioned, 2> vs{a, b};   // everything small_vector has
///   auto copy = vs;                                 // no library call for up to N versions

#include <boost/container/small_vector.hpp>

#include <cstddef>
#include <utility>

namespace replica {

template <class T, std::size_t N>
class sibling_list : public boost::container::small_vector<T, N> {
  using base = boost::container::small_vector<T, N>;

 public:
  using base::base;
  sibling_list() = default;
  sibling_list(const sibling_list& o) : base() { append(o); }
  sibling_list(sibling_list&&) = default;
  sibling_list& operator=(const sibling_list& o) {
    if (this != &o) {
      this->clear();
      append(o);
    }
    return *this;
  }
  sibling_list& operator=(sibling_list&&) = default;
  ~sibling_list() = default;

 private:
  void append(const sibling_list& o) {
    if (o.size() > this->capacity()) this->reserve(o.size());
    for (const T& x : o) this->push_back(x);
  }
};

}  // namespace replica
