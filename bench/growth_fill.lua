-- Batches of 1,000 events for `make bench-growth`: 1,000 clients, one of which
-- (client-big) gets a tenth of the events; 100 members per client; event times spread
-- over the year 2025; every type. Run from the repository's root.
--
-- With FILL_EVERY_CLIENT set, batches are of 100 events and the clients take turns
-- (client-big still a tenth), so that 200,000 events give every client a full page: one
-- client per batch of 1,000 would leave most clients empty until the table holds
-- millions.
local types = { "Unknown", "Usage", "Subscription", "OneTime", "Credit", "Adjustment" }
local api_key = os.getenv("BENCH_API_KEY")
local year_start = 1735689600 -- 2025-01-01T00:00:00Z
local year_seconds = 365 * 86400
local every_client = os.getenv("FILL_EVERY_CLIENT") ~= nil
local batch_size = every_client and 100 or 1000

-- Runs in the main Lua state, once per thread: each thread gets its own turn number.
local threads = 0
function setup(thread)
  thread:set("turn", threads)
  threads = threads + 1
end

function init(args)
  -- Each wrk thread has its own Lua state: seed each differently.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
end

local function client()
  if math.random() < 0.1 then
    return "client-big"
  end
  if every_client then
    -- wrk runs two threads: the first starts with the odd clients, the second with the
    -- even ones, each then going round all of them.
    local name = string.format("client-%03d", turn % 999 + 1)
    turn = turn + 2
    return name
  end
  return string.format("client-%03d", math.random(1, 999))
end

request = function()
  local items = {}
  for i = 1, batch_size do
    local at = year_start + math.random(0, year_seconds - 1)
    items[i] = string.format(
      '{"memberUniqueKey":"member %d","eventDateTime":"%s.%06dZ","eventTypeId":"%s","invoiceBillingEventStatusId":"Pending","quantity":1.5,"price":2.50}',
      math.random(0, 99), os.date("!%Y-%m-%dT%H:%M:%S", at), math.random(0, 999999), types[math.random(1, 6)])
  end
  return wrk.format("POST", "/api/v1/BillingEvents/" .. client() .. "/batch",
    { ["Content-Type"] = "application/json", ["X-Api-Key"] = api_key }, "[" .. table.concat(items, ",") .. "]")
end
