#include "../support/multi_leader.hpp"
