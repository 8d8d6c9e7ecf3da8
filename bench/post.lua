-- One new event per request (see event.lua). Run from the repository's root.
dofile("bench/event.lua")
local counter = 0
local api_key = os.getenv("BENCH_API_KEY")

function init(args)
  counter = math.random(0, 1000000000)
end

request = function()
  counter = counter + 997
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Api-Key"] = api_key }, event_json(counter))
end
