std = "min"
max_line_length = 100
files["spec"] = { std = "+busted" }
files["spec/support/fakeserver"] = { std = "ngx_lua" }
exclude_files = { "build" }
