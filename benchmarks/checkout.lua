-- wrk script for POST /api/v1/orders: each request orders two different products,
-- drawn at random from the ids file given after `--`, one to three units of each, as a
-- customer drawn at random from the tokens file given after it.
local ids = {}
local tokens = {}
local body = '{"lines":[{"product_id":"%s","quantity":%d},{"product_id":"%s","quantity":%d}],'
  .. '"shipping_address":{"name":"Bench Marker","line1":"1 Load Street",'
  .. '"city":"Springfield","postal_code":"12345","country":"US"}}'

function init(args)
  for id in io.lines(args[1]) do
    ids[#ids + 1] = id
  end
  for token in io.lines(args[2]) do
    tokens[#tokens + 1] = token
  end
  math.randomseed(os.time())
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local a = math.random(#ids)
  local b = math.random(#ids - 1)
  if b >= a then
    b = b + 1
  end
  -- Headers given to wrk.format replace wrk's own (Host, Content-Type): copy them.
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format(nil, nil, headers, body:format(ids[a], math.random(3), ids[b], math.random(3)))
end
