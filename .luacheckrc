std = "min"
max_line_length = 100
files["spec"] = { std = "+busted" }
files["lua/realtimekit/fake/server"] = { std = "ngx_lua" }
exclude_files = { "build" }
files["spec/support/openresty"] = { std = "ngx_lua" }
files["examples/openresty"] = { std = "ngx_lua" }
files["bench/openresty_handler.lua"] = { std = "ngx_lua" }
include_files = { "**/*.lua", "bin/*" }
