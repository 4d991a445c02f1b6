// expect: replica::lww_register: needs a totally ordered version type
#include <replica/crdt/lww_register.hpp>
#include <replica/versioning/version_vector.hpp>

replica::lww_register<int, replica::version_vector<>> reg;  // a vector clock cannot pick a last writer
