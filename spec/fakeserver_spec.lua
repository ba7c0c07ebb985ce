-- The fake server itself, checked with luasocket rather than realtimekit, so that a bug in one
-- cannot hide a bug in the other.
local helper = require "helper"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local function get(s, path, token)
  local chunks = {}
  local _, status, headers = http.request {
    url = s.url .. path,
    headers = { authorization = "Bearer " .. (token or s.token) },
    sink = ltn12.sink.table(chunks),
  }
  local body = table.concat(chunks)
  local ok, decoded = pcall(cjson.decode, body)
  return status, ok and decoded or body, headers
end

describe("the fake RealtimeKit server", function()
  local s, app
  before_each(function()
    s = helper.server()
    app = "/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
  end)

  it("needs the bearer token and answers in Cloudflare's v4 error shape", function()
    local status, body, headers = get(s, app .. "/meetings", "nope")
    assert.equal(401, status)
    assert.same({ success = false, errors = { { code = 10000, message = "Authentication error" } },
                  messages = {}, result = cjson.null }, body)
    assert.matches("^%x+%-%u+$", headers["cf-ray"])
  end)

  it("answers 403 for another account and 404 in RealtimeKit's shape for an unknown app", function()
    local status, body = get(s, "/accounts/ffffffffffffffffffffffffffffffff/realtime/kit/"
      .. s.app_id .. "/meetings")
    assert.equal(403, status)
    assert.equal(9109, body.errors[1].code)
    status, body = get(s, "/accounts/" .. s.account_id .. "/realtime/kit/nope/meetings")
    assert.equal(404, status)
    assert.same({ code = 404, message = "App not found" }, body.error)
  end)

  it("pages with 1-based offsets, a default of 20 and a cap of max_per_page", function()
    local _, body = get(s, app .. "/meetings")
    assert.equal(20, #body.data)
    assert.same({ start_offset = 1, end_offset = 20, total_count = 300 }, body.paging)
    _, body = get(s, app .. "/meetings?page_no=3&per_page=1000")
    assert.equal(100, #body.data)
    assert.same({ start_offset = 201, end_offset = 300, total_count = 300 }, body.paging)
    s:config { max_per_page = 7 }
    _, body = get(s, app .. "/meetings?page_no=2&per_page=50")
    assert.same({ start_offset = 8, end_offset = 14, total_count = 300 }, body.paging)
    _, body = get(s, app .. "/meetings?page_no=99")
    assert.same({}, body.data)
  end)

  it("refuses unknown parameters, bad numbers, bad dates and inexact enums with a 400", function()
    for _, q in ipairs { "colour=red", "page_no=-1", "per_page=2.0",
                         "start_time=2026-13-01T00:00:00Z", "status=active",
                         "page_no=1&page_no=2" } do
      local status, body = get(s, app .. "/meetings?" .. q)
      assert.equal(400, status, q)
      assert.equal(400, body.error.code, q)
    end
  end)

  it("serves JSON null for null titles and keeps empty lists as arrays", function()
    local _, body = get(s, app .. "/meetings?per_page=10")
    assert.equal(cjson.null, body.data[10].title)
    local chunks = {}
    http.request { url = s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/"
                     .. s.small_app_id .. "/sessions",
                   headers = { authorization = "Bearer " .. s.token },
                   sink = ltn12.sink.table(chunks) }
    assert.equal('{"success":true,"data":{"sessions":[]}}', table.concat(chunks))
  end)

  it("puts sessions' paging where it is told", function()
    local _, body = get(s, app .. "/sessions?per_page=5")
    assert.is_nil(body.paging)
    s:config { sessions_paging = "top" }
    _, body = get(s, app .. "/sessions?per_page=5")
    assert.equal(120, body.paging.total_count)
    s:config { sessions_paging = "data" }
    _, body = get(s, app .. "/sessions?per_page=5")
    assert.equal(120, body.data.paging.total_count)
    assert.has_error(function() s:config { sessions_paging = "sideways" } end)
    assert.has_error(function() s:config { colour = 1 } end)
  end)

  it("serves queued faults in order, to matching requests only, as many times as asked", function()
    s:fault { status = 503, match = "page_no=2", times = 2 }
    s:fault { status = 429, headers = { ["Retry-After"] = "7" } }
    local status, _, headers = get(s, app .. "/meetings?page_no=1")
    assert.equal(429, status)
    assert.equal("7", headers["retry-after"])
    assert.equal(503, (get(s, app .. "/meetings?page_no=2")))
    assert.equal(503, (get(s, app .. "/meetings?page_no=2")))
    assert.equal(200, (get(s, app .. "/meetings?page_no=2")))
    assert.has_error(function() s:fault { stauts = 500 } end)
  end)

  it("logs each API request and counts connections, not control requests", function()
    get(s, app .. "/meetings?search=R%C3%A9union&per_page=3")
    local r = s:requests()
    assert.equal(1, #r)
    assert.equal("GET", r[1].method)
    assert.equal("/client/v4" .. app .. "/meetings", r[1].path)
    assert.equal("search=R%C3%A9union&per_page=3", r[1].query)
    assert.same({ search = "Réunion", per_page = "3" }, r[1].args)
    assert.equal("Bearer " .. s.token, r[1].headers.authorization)
    assert.same({ requests = 1, connections = 1 }, s:stats())
    s:reset()
    assert.same({ requests = 0, connections = 0 }, s:stats())
    assert.same({}, s:requests())
  end)

  it("grows the meetings to a benchmark's size and back", function()
    s:config { meetings_total = 100000 }
    local _, body = get(s, app .. "/meetings?page_no=1000&per_page=100")
    assert.same({ start_offset = 99901, end_offset = 100000, total_count = 100000 }, body.paging)
    assert.equal(100, #body.data)
    assert.equal("000186a0-0000-4000-8000-0000000186a0", body.data[100].id)
    local status, one = get(s, app .. "/meetings/" .. body.data[100].id)
    assert.equal(200, status)
    assert.equal(body.data[100].created_at, one.data.created_at)
    s:config { meetings_total = 300 }
    _, body = get(s, app .. "/meetings")
    assert.equal(300, body.paging.total_count)
    assert.has_error(function() s:config { meetings_total = 10 } end)
  end)

  it("drops a connection without an answer when told", function()
    s:fault { drop = true }
    local ok, err = http.request(s.url .. app .. "/meetings")
    assert.is_nil(ok)
    assert.equal("closed", err)
  end)

  it("is attachable from another process through fake-realtimekit's folder", function()
    local out, ok = helper.run("spec/support/fake-realtimekit start")
    assert.is_true(ok, out)
    local dir = out:match("export REALTIMEKIT_FAKE_DIR='([^']+)'")
    local url = out:match("export CLOUDFLARE_BASE_URL='([^']+)'")
    assert.is_string(dir)
    assert.matches("^http://127%.0%.0%.1:%d+/client/v4$", url)
    local other = assert(require("support.server").attach(dir))
    assert.equal(url, other.url)
    assert.same({ requests = 0, connections = 0 }, other:stats())
    out, ok = helper.run("spec/support/fake-realtimekit stop " .. helper.shell_quote(dir))
    assert.is_true(ok, out)
    assert.has_error(function() other:stats() end)
  end)
end)
