-- Batches of 1,000 events for `make bench-growth`: 1,000 clients, one of which
-- (client-big) gets a tenth of the events; 100 members per client; event times spread
-- over the year 2025; every type. Run from the repository's root.
local types = { "Unknown", "Usage", "Subscription", "OneTime", "Credit", "Adjustment" }
local api_key = os.getenv("BENCH_API_KEY")
local year_start = 1735689600 -- 2025-01-01T00:00:00Z
local year_seconds = 365 * 86400

function init(args)
  -- Each wrk thread has its own Lua state: seed each differently.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
end

local function client()
  if math.random() < 0.1 then
    return "client-big"
  end
  return string.format("client-%03d", math.random(1, 999))
end

request = function()
  local items = {}
  for i = 1, 1000 do
    local at = year_start + math.random(0, year_seconds - 1)
    items[i] = string.format(
      '{"memberUniqueKey":"member %d","eventDateTime":"%s.%06dZ","eventTypeId":"%s","invoiceBillingEventStatusId":"Pending","quantity":1.5,"price":2.50}',
      math.random(0, 99), os.date("!%Y-%m-%dT%H:%M:%S", at), math.random(0, 999999), types[math.random(1, 6)])
  end
  return wrk.format("POST", "/api/v1/BillingEvents/" .. client() .. "/batch",
    { ["Content-Type"] = "application/json", ["X-Api-Key"] = api_key }, "[" .. table.concat(items, ",") .. "]")
end
