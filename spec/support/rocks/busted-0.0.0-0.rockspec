-- Debian's busted (apt package lua-busted) is not a rock, and `luarocks test` runs busted only
-- from a rock: it looks for a rock named busted and runs that rock's bin/busted. This rockspec
-- makes one that runs Debian's busted, for `make rock-test`, which installs it into build/rock
-- (never into a system tree). Version 0.0.0 so that it cannot be mistaken for a real release.
rockspec_format = "3.0"
package = "busted"
version = "0.0.0-0"
source = { url = "file://." }
description = {
  summary = "Debian's busted, seen by LuaRocks as a rock (realtimekit's test tooling only)",
  license = "MIT",
}
dependencies = { "lua >= 5.1" }
build = {
  type = "builtin",
  modules = {},
  install = { bin = { busted = "spec/support/rocks/busted" } },
}
