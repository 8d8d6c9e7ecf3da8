-- GETs for `make bench-growth`: each request reads one of the paths in the file named by
-- BENCH_PATHS (one per line: an event by guid, a page, a summary), chosen at random;
-- with BENCH_DELAY_MS, each connection waits that long between answer and request.
local api_key = os.getenv("BENCH_API_KEY")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
local paths = {}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
end

if pause then
  delay = function()
    return pause
  end
end

request = function()
  return wrk.format("GET", paths[math.random(1, #paths)], { ["X-Api-Key"] = api_key })
end
