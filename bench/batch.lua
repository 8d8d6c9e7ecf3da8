-- 1,000 new events per request: no guids, so the service makes them.
local item = '{"memberUniqueKey":"bench member","eventDateTime":"2025-08-14T01:25:53.8669171+00:00","eventTypeId":"Usage","quantity":6.0,"price":7.0}'
local items = {}
for i = 1, 1000 do items[i] = item end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "[" .. table.concat(items, ",") .. "]"
