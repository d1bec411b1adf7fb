-- wrk script for `mailpreview api` (used by deploy/load/wrk.sh): counted
-- requests on the sample library, a recipient of its own per request, the
-- sample profiles in turn. ROUTE=decisions (three scopes of winter-sale)
-- or ROUTE=messages (the newsletter; ACCEPT=message/rfc822 for MIME).
local profiles = {
  '"profile":{"firstName":"Maya","age":34,"loyalty":{"tier":"gold","points":12840},"city":"Portland","country":"US","interests":["running","trail"],"spend12m":1840.5},"context":{"weather":"rain","channel":"web"}',
  '"profile":{"firstName":"Lukas","age":41,"loyalty":{"tier":"silver","points":3200},"city":"Innsbruck","country":"AT","interests":["skiing"],"spend12m":920},"context":{"weather":"snow","channel":"web"}',
  '"profile":{"firstName":"Sam","age":19},"context":{"channel":"app"}',
  '"profile":{"firstName":"Renée","age":52,"loyalty":{"tier":"bronze","points":410},"city":"Montréal","country":"CA","interests":["hiking","camping"]}',
}
local route = os.getenv("ROUTE") or "decisions"
-- DRYRUN=1: dry runs, which read the counters and write nothing.
local at = '"at":"2026-12-02T09:00:00Z",' .. (os.getenv("DRYRUN") == "1" and '"dryRun":true,' or '')
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "load-key")
if os.getenv("ACCEPT") then wrk.headers["Accept"] = os.getenv("ACCEPT") end

local function body(n)
  local id = '"id":"w' .. thread_id .. '-' .. n .. '","email":"r' .. n .. '@example.com",'
  local recipient = '"recipient":{' .. id .. profiles[n % #profiles + 1] .. '}'
  if route == "messages" then
    return '{"template":"newsletter.hbs",' .. at .. recipient .. '}'
  end
  return '{' .. at .. recipient .. ',"propositionRequests":[' ..
    '{"activity":"winter-sale","placement":"hero"},{"activity":"winter-sale","placement":"sidebar"},' ..
    '{"activity":"winter-sale","placement":"banner"}]}'
end

request = function()
  counter = counter + 1
  return wrk.format(nil, "/v1/" .. route, nil, body(counter))
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end

-- The percentiles the issue asks for (wrk's --latency table has no p95).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; errors: %d non-2xx, %d socket\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
