-- wrk script for `make bench`: each connection is its own shopper with its own session.
-- Run with as many threads as connections (-t N -c N), so each Lua state drives exactly
-- one connection and keeps that connection's cookies (updated from Set-Cookie): the
-- session, and the CSRF cookie that pages with forms set, as a browser keeps it.
--
--   wrk ... -s session.lua URL -- get <path> <cookie file>     (one cookie line per connection)
--   wrk ... -s session.lua URL -- add <path> <reset> <ids>      (POST {"product_id"}, new session every <reset> adds)
--   wrk ... -s session.lua URL -- purchase <reset> <ids>        (add, checkout, pay; new session every <reset> purchases)
--
-- With BENCH_ADDRS=host:port,host:port,... (the production setup's servers), connection i
-- goes to server i mod n for the whole run, so the load is spread evenly and the latency
-- percentiles cover every server in one distribution.
--
-- done() prints one line "BENCHJSON {...}" that bench/run.py reads.

local threads, next_id, addrs = {}, 0, nil

function setup(thread)
  if addrs == nil then
    addrs = {}
    for hostport in string.gmatch(os.getenv("BENCH_ADDRS") or "", "[^,]+") do
      local host, port = string.match(hostport, "^(.*):(%d+)$")
      table.insert(addrs, wrk.lookup(host, port)[1])
    end
  end
  if #addrs > 0 then thread.addr = addrs[(next_id % #addrs) + 1] end
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

local mode, path, reset, ids, cookie, csrf
local n, step, order_id, purchases_in_session = 0, 0, nil, 0
ok, unexpected, server_errors, purchases = 0, 0, 0, 0

local checkout_body = '{"shipping_address":{"name":"Bench Shopper","street":"1 Main Street",'
  .. '"city":"Springfield","zip":"12345","country":"US"},"email":"bench@example.com"}'
local pay_body = '{"method":"credit_card","card":{"number":"4242424242424242",'
  .. '"exp_month":12,"exp_year":2031,"cvv":"123"}}'

local function split(s, sep)
  local out = {}
  for part in string.gmatch(s, "[^" .. sep .. "]+") do table.insert(out, part) end
  return out
end

function init(args)
  mode = args[1]
  if mode == "get" then
    path = args[2]
    local lines = {}
    for line in io.lines(args[3]) do if #line > 0 then table.insert(lines, line) end end
    if #lines > 0 then cookie = lines[(id % #lines) + 1] end
  elseif mode == "add" then
    path, reset, ids = args[2], tonumber(args[3]), split(args[4], ",")
  elseif mode == "purchase" then
    reset, ids = tonumber(args[2]), split(args[3], ",")
  end
  n = id * 7  -- shoppers start on different products
end

local function headers(json)
  local h, jar = {}, {}
  if cookie then table.insert(jar, "sessionid=" .. cookie) end
  if csrf then table.insert(jar, "csrftoken=" .. csrf) end
  if #jar > 0 then h["Cookie"] = table.concat(jar, "; ") end
  if json then h["Content-Type"] = "application/json" end
  return h
end

local function product_body()
  return '{"product_id":' .. ids[(n % #ids) + 1] .. ',"quantity":1}'
end

function request()
  if mode == "get" then
    return wrk.format("GET", path, headers(false))
  elseif mode == "add" then
    if reset > 0 and n % reset == 0 then cookie = nil end
    return wrk.format("POST", path, headers(true), product_body())
  end
  if step == 0 then
    if purchases_in_session >= reset then cookie, purchases_in_session = nil, 0 end
    return wrk.format("POST", "/api/cart/items", headers(true), product_body())
  elseif step == 1 then
    return wrk.format("POST", "/api/checkout", headers(true), checkout_body)
  end
  return wrk.format("POST", "/api/orders/" .. order_id .. "/pay", headers(true), pay_body)
end

function response(status, hdrs, body)
  local set = hdrs["Set-Cookie"] or hdrs["set-cookie"]
  if set then
    local value = string.match(set, "^sessionid=([^;]*)")
    if value then cookie = (value ~= "" and value ~= '""') and value or nil end
    csrf = string.match(set, "^csrftoken=([^;]*)") or csrf
  end
  if status >= 500 then server_errors = server_errors + 1 end
  n = n + 1
  if mode ~= "purchase" then
    if status == 200 then ok = ok + 1 else unexpected = unexpected + 1 end
    return
  end
  local expected = (step == 1) and 201 or 200
  if status ~= expected then
    unexpected, step = unexpected + 1, 0
    return
  end
  ok = ok + 1
  if step == 1 then
    order_id = string.match(body, '"id":(%d+)')
    step = order_id and 2 or 0
  elseif step == 2 then
    purchases, purchases_in_session, step = purchases + 1, purchases_in_session + 1, 0
  else
    step = 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, unexpected = 0, server_errors = 0, purchases = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"socket_errors":%d,"status_errors":%d,"timeouts":%d,"ok":%d,"unexpected":%d,'
      .. '"server_errors":%d,"purchases":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write, e.status, e.timeout, totals.ok,
    totals.unexpected, totals.server_errors, totals.purchases))
end
