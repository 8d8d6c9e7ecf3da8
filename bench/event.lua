-- A producer's event, shared by the load scripts: no guid (the service makes one) unless
-- BENCH_CLIENT_GUIDS is set, the event time moving forward with `n`, a thousand members,
-- every type.
local types = { "Unknown", "Usage", "Subscription", "OneTime", "Credit", "Adjustment" }

local function event_time(n)
  local seconds = 1735689600 + math.floor(n / 1000000)
  return os.date("!%Y-%m-%dT%H:%M:%S", seconds) .. string.format(".%06dZ", n % 1000000)
end

-- A random (version 4) guid, as a .NET producer's Guid.NewGuid() makes.
function random_guid()
  local hex = function(digits) return string.format("%0" .. digits .. "x", math.random(0, 16 ^ digits - 1)) end
  return hex(4) .. hex(4) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-" .. string.format("%x", math.random(8, 11))
    .. hex(3) .. "-" .. hex(4) .. hex(4) .. hex(4)
end

-- With BENCH_CLIENT_GUIDS set, each event carries its producer's own random guid.
local client_guids = os.getenv("BENCH_CLIENT_GUIDS") ~= nil

function event_json(n)
  local guid = client_guids and string.format('"billingEventGuid":"%s",', random_guid()) or ""
  return string.format(
    '{%s"memberUniqueKey":"member %d","eventDateTime":"%s","eventTypeId":"%s","invoiceBillingEventStatusId":"Pending","quantity":6.0,"price":7.0}',
    guid, n % 1000, event_time(n), types[n % 6 + 1])
end
