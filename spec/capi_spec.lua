-- The C API where the Lua binding cannot reach it (spec/support/capi.c, built by make into
-- build/capi, or build/asan/capi when the specs run with the ASan core): NULL arguments, the
-- request header guard, requests whose setup runs out of memory inside libcurl, and OpenSSL
-- running out of memory as it initialises. #once: nothing here depends on the Lua running it.
local helper = require "helper"

local asan = helper.core_dir:match("^build/asan") ~= nil
local bin = asan and "build/asan/capi" or "build/capi"

-- What no request may carry: the standard input of the program making them.
local CANARY = "STDIN-CANARY-do-not-send"

describe("the C API #once", function()
  local s, url, dir
  setup(function()
    local out, ok = helper.run("make -s --no-print-directory " .. bin)
    assert(ok, out)
    -- A key pair, and a body signed with it.
    dir = os.tmpname()
    os.remove(dir)
    out, ok = helper.run("sh -c " .. helper.shell_quote("mkdir -p " .. dir .. " && cd " .. dir
      .. " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.key"
      .. " && openssl pkey -in k.key -pubout -out k.pub && printf '{\"event\":\"x\"}' >body"
      .. " && openssl dgst -sha256 -sign k.key body | openssl base64 -A >sig"))
    assert(ok, out)
  end)
  teardown(function()
    if dir then os.execute("rm -rf " .. dir) end
  end)
  before_each(function()
    s = helper.server()
    url = s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id .. "/meetings"
  end)

  -- Runs the program with the canary on its standard input; returns its output lines and
  -- whether it exited 0.
  local function capi(args, env)
    local out, ok = helper.run("sh -c " .. helper.shell_quote("echo " .. CANARY .. " | " .. bin
      .. " " .. args), env)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    return lines, ok, out
  end

  -- The requests the server got, each checked against the method its X-Seq names.
  local function check_requests(methods)
    local got = s:requests()
    for _, r in ipairs(got) do
      assert.is_nil((r.body or ""):find(CANARY, 1, true), "a request carried the standard input")
      local i = tonumber((r.headers["x-seq"] or ""):match("%-(%d+)$"))
      if methods and i then
        assert.equal(methods[i + 1], r.method, "request " .. r.headers["x-seq"])
        if r.method ~= "GET" and not (r.method == "DELETE" and i == 2) then
          assert.equal('{"title":"capi"}', r.body, "request " .. r.headers["x-seq"])
        end
      end
    end
    return got
  end

  it("checks the key first when the signature is NULL, as an empty one", function()
    local lines, done, text = capi("verify " .. dir .. "/k.pub")
    assert.is_true(done, text)
    assert.same({ "verify done" }, lines)
  end)

  it("never keeps a failed allocation of OpenSSL's first use as a bad key", function()
    -- One process per N, from 1 to past the allocations of rtk_verify_init and three checks:
    -- each check fails only for want of memory, as nomem, and the last one succeeds. Without
    -- rtk_verify_init, an allocation that failed while OpenSSL initialised itself during the
    -- first check made every later one bad_key.
    local lines, done, text = capi("verify-first 1 1 40 " .. dir .. "/k.pub " .. dir .. "/sig "
      .. dir .. "/body")
    assert.is_true(done, text)
    local more, done2, text2 = capi("verify-first 41 37 20000 " .. dir .. "/k.pub " .. dir
      .. "/sig " .. dir .. "/body")
    assert.is_true(done2, text2)
    for _, line in ipairs(more) do lines[#lines + 1] = line end
    local inits, reached = 0, false
    for _, line in ipairs(lines) do
      if line:match("^%d+: init nomem") then inits = inits + 1 end
      if line:match("%(not reached%)$") then reached = true end
    end
    assert.is_true(inits > 0, "no allocation of the initialisation failed")
    assert.is_true(reached, "20000 allocations did not take the checks to their end")
  end)

  it("refuses a header whose name is not all token characters before the colon", function()
    local lines, ok, text = capi("headers " .. url)
    assert.is_true(ok, text)
    assert.same({ "headers done" }, lines)
    local got = check_requests()
    assert.equal(1, #got)
    assert.equal("headers-ok", got[1].headers["x-seq"])
  end)

  it("fails a body that libcurl cannot copy as out of memory, and sends nothing", function()
    -- Under ASan the allocation of 2^42 bytes must return NULL, as malloc does, not abort; the
    -- warning it prints then goes to the output, not to the reports that fail the run.
    -- (The runtime's log_path is common to ASan and UBSan: both settings must say it.)
    local env = asan and {
      ASAN_OPTIONS = (os.getenv("ASAN_OPTIONS") or "") .. ":allocator_may_return_null=1"
        .. ":log_path=stderr",
      UBSAN_OPTIONS = (os.getenv("UBSAN_OPTIONS") or "") .. ":log_path=stderr",
    } or nil
    local all, ok, text = capi("huge-body " .. url, env)
    assert.is_true(ok, text)
    local lines = {}
    for _, line in ipairs(all) do
      if not line:match("^==%d+==WARNING: AddressSanitizer failed to allocate") then
        lines[#lines + 1] = line
      end
    end
    assert.same({ "huge POST nomem OUT_OF_MEMORY", "after-huge POST 401" }, lines)
    local got = check_requests()
    assert.equal(1, #got)
    assert.equal("after-huge", got[1].headers["x-seq"])
  end)

  it("gives each result its own status, headers and error, however many finish meanwhile",
    function()
      s:fault { match = "which=a", status = 200, headers = { ["X-Which"] = "a" }, body = "{}" }
      s:fault { match = "which=c", status = 404, headers = { ["X-Which"] = "c" }, body = "{}" }
      local lines, ok, text = capi("results " .. url)
      assert.is_true(ok, text)
      local a = lines[1]:match("^a ok 200 a %- %- (%d+)$")
      assert.is_string(a, lines[1])
      assert.is_true(tonumber(a) > 1, lines[1])
      assert.equal("b network 0 - COULDNT_CONNECT (message) 0", lines[2])
      assert.matches("^c ok 404 c %- %- %d+$", lines[3])
      -- The "last" accessors read the last result read: b's.
      assert.equal("last COULDNT_CONNECT -", lines[4])
      assert.equal("released invalid NO_SUCH_TRANSFER no such transfer", lines[5])
      assert.equal(lines[1], lines[6])
      assert.equal(6, #lines)
    end)

  it("keeps the hooks' contract: set while nothing runs, told of every socket whichever call "
    .. "drives the client, and of the end of each when it is freed", function()
      local lines, ok, text = capi("hooks " .. url)
      assert.is_true(ok, text)
      assert.same({
        "set while running: invalid invalid",
        "poll on a hooked client: 401 401 401",
        "told: sockets yes, timer yes",
        "request on a hooked client: 401",
        "unknown socket: 0",
        "before free: 2 or more sockets watched, timer on",
        "after free: 0 sockets watched, timer off",
        "actions without hooks: 401",
      }, lines)
      -- The three polled, the blocking one, and the one driven by actions alone.
      assert.equal(5, #s:requests())
    end)

  it("fails a start with every transfer taken as RTK_EBUSY, until one is released", function()
    local lines, ok, text = capi("busy")
    assert.is_true(ok, text)
    assert.same({ "start busy TOO_MANY_TRANSFERS too many transfers at once on one client",
                  "request busy TOO_MANY_TRANSFERS", "after a release ok" }, lines)
  end)

  it("sends each method as it is, with its body, or fails, whichever allocation of libcurl's "
    .. "fails", function()
    local methods = { "PUT", "PATCH", "DELETE", "DELETE", "POST", "GET" }
    local lines, ok, text = capi("methods " .. url)
    assert.is_true(ok, text)
    assert.matches("^methods done at %d+$", lines[#lines])
    local kinds = {}
    for i = 1, #lines - 1 do
      local seq, _, method, rest = lines[i]:match("^(%d+%-(%d+)) (%u+) (.+)$")
      assert.is_string(seq, lines[i])
      assert.equal(methods[tonumber(seq:match("%-(%d+)$")) + 1], method)
      -- A response (the fake server refuses the token), or the failure of an allocation:
      -- out of memory, or what libcurl itself makes of one its resolver could not make.
      if rest ~= "401" then
        kinds[rest] = true
        assert.is_truthy(rest == "nomem OUT_OF_MEMORY" or rest == "network COULDNT_RESOLVE_HOST",
          lines[i])
      end
    end
    assert.is_true(kinds["nomem OUT_OF_MEMORY"], "no allocation failed")
    local got = check_requests(methods)
    assert.is_true(#got > 100)
  end)
end)
