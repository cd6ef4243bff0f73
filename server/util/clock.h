// The wall clock in the unit the store keeps (created_at, updated_at, expiries, leases' owners).
#pragma once

#include <cstdint>
#include <ctime>

namespace rowgate::server {

/// Unix seconds now.
inline std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace rowgate::server
