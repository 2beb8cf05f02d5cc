-- wrk script for reads: each request GETs a path drawn at random from the file given
-- after `--` (product ids of the whole catalog, cursors to pages anywhere in it), and,
-- when a second file is given, as a customer drawn at random from that file of tokens.
local paths = {}
local tokens = {}

function init(args)
  for path in io.lines(args[1]) do
    paths[#paths + 1] = path
  end
  if args[2] then
    for token in io.lines(args[2]) do
      tokens[#tokens + 1] = token
    end
  end
  math.randomseed(os.time())
end

function request()
  local path = paths[math.random(#paths)]
  if #tokens == 0 then
    return wrk.format("GET", path)
  end
  -- Headers given to wrk.format replace wrk's own (Host): copy them.
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format("GET", path, headers)
end
