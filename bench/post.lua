-- One new event per request, like a producer's traffic: no guid (the service makes
-- one), event times moving forward, a thousand members, every type.
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
  counter = counter + 997
  local body = string.format(
    '{"memberUniqueKey":"member %d","eventDateTime":"%s","eventTypeId":"%s","invoiceBillingEventStatusId":"Pending","quantity":6.0,"price":7.0}',
    counter % 1000, event_time(counter), types[counter % 6 + 1])
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
