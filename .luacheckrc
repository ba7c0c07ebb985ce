std = "min"
max_line_length = 120
files["spec"] = { std = "+busted" }
files["spec/support/fakeserver"] = { std = "ngx_lua" }
exclude_files = { "build" }
