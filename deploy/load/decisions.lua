-- wrk script: POST /v1/decisions for the sample library, a recipient of
-- its own per request, the sample profiles in turn, counted (not dryRun).
-- Used by deploy/load/wrk.sh.
local profiles = {
  '"profile":{"firstName":"Maya","age":34,"loyalty":{"tier":"gold","points":12840},"city":"Portland","country":"US","interests":["running","trail"],"spend12m":1840.5},"context":{"weather":"rain","channel":"web"}',
  '"profile":{"firstName":"Lukas","age":41,"loyalty":{"tier":"silver","points":3200},"city":"Innsbruck","country":"AT","interests":["skiing"],"spend12m":920},"context":{"weather":"snow","channel":"web"}',
  '"profile":{"firstName":"Sam","age":19},"context":{"channel":"app"}',
  '"profile":{"firstName":"Renée","age":52,"loyalty":{"tier":"bronze","points":410},"city":"Montréal","country":"CA","interests":["hiking","camping"]}',
}
local scopes = '"propositionRequests":[{"activity":"winter-sale","placement":"hero"},{"activity":"winter-sale","placement":"sidebar"},{"activity":"winter-sale","placement":"banner"}],"at":"2026-12-02T09:00:00Z"'
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "load-key")

request = function()
  counter = counter + 1
  local body = '{"recipient":{"id":"w' .. thread_id .. '-' .. counter .. '",' ..
    profiles[counter % #profiles + 1] .. '},' .. scopes .. '}'
  return wrk.format(nil, "/v1/decisions", nil, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
