-- One new event per request (see event.lua). Run from the repository's root.
dofile("bench/event.lua")
local counter = 0

function init(args)
  counter = math.random(0, 1000000000)
end

request = function()
  counter = counter + 997
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, event_json(counter))
end
