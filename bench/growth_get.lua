-- GETs for `make bench-growth`: each request reads one of the paths in the file named by
-- BENCH_PATHS (one per line: an event by guid, a page, a summary), chosen at random.
local api_key = os.getenv("BENCH_API_KEY")
local paths = {}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
end

request = function()
  return wrk.format("GET", paths[math.random(1, #paths)], { ["X-Api-Key"] = api_key })
end
