-- wrk script: every request carries the tenant's key; paths rotate over the three routes.
-- Usage: wrk -s bench/load/auth.lua URL -- KEY IMPORT_ID
local paths = {}
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  paths = {"/api/v1/partners?limit=50", "/api/v1/context?template=prospects", "/api/v1/imports/" .. args[2]}
end
local i = 0
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors: connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("rps %.0f, p50 %.2f ms, p99 %.2f ms\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
