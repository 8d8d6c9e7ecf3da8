-- A producer's event, shared by the load scripts: no guid (the service makes one), the
-- event time moving forward with `n`, a thousand members, every type.
local types = { "Unknown", "Usage", "Subscription", "OneTime", "Credit", "Adjustment" }

local function event_time(n)
  local seconds = 1735689600 + math.floor(n / 1000000)
  return os.date("!%Y-%m-%dT%H:%M:%S", seconds) .. string.format(".%06dZ", n % 1000000)
end

function event_json(n)
  return string.format(
    '{"memberUniqueKey":"member %d","eventDateTime":"%s","eventTypeId":"%s","invoiceBillingEventStatusId":"Pending","quantity":6.0,"price":7.0}',
    n % 1000, event_time(n), types[n % 6 + 1])
end
