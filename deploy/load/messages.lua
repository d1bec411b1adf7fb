-- wrk script: POST /v1/messages of the sample newsletter, a recipient of
-- its own per request, counted. Used by deploy/load/wrk.sh.
local profiles = {
  '"profile":{"firstName":"Maya","age":34,"loyalty":{"tier":"gold","points":12840},"city":"Portland","country":"US","interests":["running","trail"]}',
  '"profile":{"firstName":"Lukas","age":41,"loyalty":{"tier":"silver","points":3200},"city":"Innsbruck","country":"AT","interests":["skiing"]}',
  '"profile":{"firstName":"Sam","age":19}',
}
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

request = function()
  counter = counter + 1
  local body = '{"template":"newsletter.hbs","at":"2026-12-02T09:00:00Z","recipient":{"id":"m' ..
    thread_id .. '-' .. counter .. '","email":"r' .. counter .. '@example.com",' ..
    profiles[counter % #profiles + 1] .. '}}'
  return wrk.format(nil, "/v1/messages", nil, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
