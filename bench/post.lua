-- One new event per request (see event.lua). Run from the repository's root.
dofile("bench/event.lua")
local counter = 0
local api_key = os.getenv("BENCH_API_KEY")

function init(args)
  -- Each wrk thread and each run its own sequence, so that producers' random guids
  -- (BENCH_CLIENT_GUIDS) never repeat an earlier run's.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
  counter = math.random(0, 1000000000)
end

request = function()
  counter = counter + 997
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Api-Key"] = api_key }, event_json(counter))
end
