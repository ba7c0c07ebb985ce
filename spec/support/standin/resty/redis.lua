-- A stand-in for lua-resty-redis in the specs that run inside nginx: lua-resty-redis is not
-- packaged in Debian, so the specs cannot install it. This is a minimal RESP client over
-- ngx.socket.tcp with the methods and return conventions of lua-resty-redis that
-- realtimekit.store.redis uses: new(), connect(host, port), set_timeout(ms),
-- set_timeouts(connect, send, read), eval(script, numkeys, ...), evalsha(sha, numkeys, ...),
-- set_keepalive(idle_ms, pool_size), close(). As lua-resty-redis does, each returns its result,
-- or nil and a message (an error reply's text, "timeout", "closed", "connection refused"), and a
-- nil reply is ngx.null. It is not lua-resty-redis, and is no part of realtimekit: with
-- OpenResty, use lua-resty-redis itself (docs/many-machines.md).
local tcp, null = ngx.socket.tcp, ngx.null
local concat, tostring, tonumber, select, setmetatable =
  table.concat, tostring, tonumber, select, setmetatable

local M = {}
local mt = { __index = M }

function M.new()
  local sock, err = tcp()
  if not sock then return nil, err end
  return setmetatable({ sock = sock }, mt)
end

function M:set_timeout(ms)
  return self.sock:settimeout(ms)
end

function M:set_timeouts(connect, send, read)
  return self.sock:settimeouts(connect, send, read)
end

function M:connect(host, port, opts)
  return self.sock:connect(host, port, opts)
end

function M:set_keepalive(idle, size)
  return self.sock:setkeepalive(idle, size)
end

function M:close()
  return self.sock:close()
end

-- One reply: a status or a bulk string, an integer, an array (nested), ngx.null for nil; an
-- error reply as nil and its text, a failed read as nil and the socket's message.
local function read_reply(sock)
  local line, err = sock:receive()
  if not line then return nil, err end
  local prefix, rest = line:sub(1, 1), line:sub(2)
  if prefix == "+" then return rest end
  if prefix == "-" then return false, rest end
  if prefix == ":" then return tonumber(rest) end
  if prefix == "$" then
    local n = tonumber(rest)
    if n < 0 then return null end
    local data, rerr = sock:receive(n + 2)
    if not data then return nil, rerr end
    return data:sub(1, n)
  end
  if prefix == "*" then
    local n = tonumber(rest)
    if n < 0 then return null end
    local out = {}
    for i = 1, n do
      local v, verr = read_reply(sock)
      if v == nil then return nil, verr end
      -- An error inside an array stays in it, as lua-resty-redis keeps it: { false, text }.
      if v == false then v = { false, verr } end
      out[i] = v
    end
    return out
  end
  return nil, "bad reply: " .. line
end

local function command(self, ...)
  local n = select("#", ...)
  local parts = { "*", n, "\r\n" }
  for i = 1, n do
    local a = tostring((select(i, ...)))
    parts[#parts + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n"
  end
  local sock = self.sock
  local ok, err = sock:send(concat(parts))
  if not ok then return nil, err end
  local res, rerr = read_reply(sock)
  if res == false then return nil, rerr end
  return res, rerr
end

function M:eval(...)
  return command(self, "EVAL", ...)
end

function M:evalsha(...)
  return command(self, "EVALSHA", ...)
end

return M
