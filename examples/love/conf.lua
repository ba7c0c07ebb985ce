-- LÖVE reads this before main.lua: the window, and (paths.lua) where realtimekit is.
require "paths"

function love.conf(t)
  t.identity = "realtimekit-dashboard"
  t.version = "11.4"
  t.window.title = "realtimekit dashboard"
  t.window.width, t.window.height = 960, 600
  t.window.vsync = 0 -- main.lua paces frames at 60 per second itself
  t.modules.audio, t.modules.sound = false, false
  t.modules.joystick, t.modules.physics, t.modules.video = false, false, false
end
