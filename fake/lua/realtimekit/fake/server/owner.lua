-- Stops the fake server when the process that started it is gone (a test run that crashed),
-- so no nginx outlives its tests. REALTIMEKIT_FAKE_OWNER holds that process's id; 0 or unset
-- means the server runs until stopped.
local M = {}

function M.watch(pid_file)
  local owner = tonumber(os.getenv("REALTIMEKIT_FAKE_OWNER") or "0")
  if not owner or owner <= 0 then return end
  local function check(premature)
    if premature then return end
    local f = io.open("/proc/" .. owner .. "/stat", "r")
    if f then
      f:close()
      return
    end
    local p = io.open(pid_file, "r")
    local master = p and tonumber(p:read("*l") or "")
    if p then p:close() end
    if master then os.execute("kill -QUIT " .. master) end
  end
  ngx.timer.every(1, check)
end

return M
