-- 1,000 new events per request, like a producer's traffic: no guids, event times moving
-- forward, a thousand members, every type.
local counter = 0
local types = { "Unknown", "Usage", "Subscription", "OneTime", "Credit", "Adjustment" }

local function event_time(n)
  local seconds = 1735689600 + math.floor(n / 1000000)
  return os.date("!%Y-%m-%dT%H:%M:%S", seconds) .. string.format(".%06dZ", n % 1000000)
end

function init(args)
  counter = math.random(0, 1000000000)
end

request = function()
  local items = {}
  for i = 1, 1000 do
    counter = counter + 997
    items[i] = string.format(
      '{"memberUniqueKey":"member %d","eventDateTime":"%s","eventTypeId":"%s","quantity":6.0,"price":7.0}',
      counter % 1000, event_time(counter), types[counter % 6 + 1])
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, "[" .. table.concat(items, ",") .. "]")
end
