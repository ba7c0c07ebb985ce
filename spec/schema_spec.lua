-- Bodies are encoded in their schema's shape: [] stays an array, {} an object, fields in the
-- schema's order, whole numbers as integers, strings escaped as JSON requires.
local helper = require "helper"
local cjson = require "cjson"
local realtimekit = require "realtimekit"
local request = require "realtimekit.request"
local resource = require "realtimekit.resource"
local S = require "realtimekit.schema"

local U = "36d01e74-838a-4de1-a00c-a0c4b03f8368"

local function body_of(name, method, args, params)
  local c = assert(realtimekit.new { api_token = "t", account_id = "a1", app_id = "app",
                                     base_url = "http://127.0.0.1:1/client/v4" })
  local req = assert(request.build(c, resource.rows(name)[method], args, params))
  return req.body, req
end

describe("request bodies", function()
  it("keep empty arrays as [] and empty objects as {}", function()
    local body = body_of("meetings", "create", {}, {
      ai_config = { transcription = { keywords = {} }, summarization = {} },
    })
    assert.equal('{"ai_config":{"summarization":{},"transcription":{"keywords":[]}}}', body)
    assert.equal("{}", (body_of("meetings", "update", { U }, {})))
  end)

  it("put fields in the schema's order and leave out call options", function()
    local body = body_of("participants", "add", { U }, {
      picture = "https://example.com/a.png", name = "Ann", preset_name = "host",
      custom_participant_id = "ann", max_retries = 0, app_id = "other",
    })
    assert.equal('{"custom_participant_id":"ann","preset_name":"host","name":"Ann",'
      .. '"picture":"https://example.com/a.png"}', body)
  end)

  it("send null where asked, and whole numbers as integers", function()
    local body = body_of("meetings", "create", {}, {
      title = realtimekit.null, session_keep_alive_time_in_secs = 120.0,
    })
    assert.equal('{"title":null,"session_keep_alive_time_in_secs":120}', body)
  end)

  it("escape text as JSON and keep UTF-8 as it is", function()
    local title = 'Tab\there "quoted" back\\slash \1 — 会議 🎥'
    local body = body_of("meetings", "create", {}, { title = title })
    assert.equal(title, cjson.decode(body).title)
    assert.matches("\\u0001", body, 1, true)
    assert.matches("会議", body, 1, true)
  end)

  it("send a map's keys sorted, and free-form values in their own shape", function()
    local body = body_of("recordings", "start_track", {}, {
      meeting_id = U, layers = { b = { media_kind = "audio" }, a = {} }, user_ids = {},
    })
    assert.equal('{"meeting_id":"' .. U .. '","layers":{"a":{},"b":{"media_kind":"audio"}},'
      .. '"user_ids":[]}', body)
    local any = S.any()
    assert.equal("[]", any:encode(realtimekit.array {}))
    assert.equal("{}", any:encode({}))
    assert.equal('[1,2.5,"x",true,null]', any:encode({ 1, 2.5, "x", true, realtimekit.null }))
    assert.equal('{"a":{"b":[1]}}', any:encode({ a = { b = { 1 } } }))
  end)

  it("send no body at all where the API takes none", function()
    local body, req = body_of("participants", "refresh_token", { U, U }, {})
    assert.is_nil(body)
    assert.equal("POST", req.method)
  end)

  it("reach the server exactly as encoded", function()
    local c, s = helper.client { max_retries = 0 }
    s:fault { status = 200, body = '{"success":true,"data":{"id":"' .. U .. '"}}' }
    assert(c.meetings:create { ai_config = { transcription = { keywords = {} } } })
    local r = s:requests()[1]
    assert.equal("POST", r.method)
    assert.equal('{"ai_config":{"transcription":{"keywords":[]}}}', r.body)
    assert.equal("application/json", r.headers["content-type"])
  end)

  it("keep secrets of a body out of API errors", function()
    local c, s = helper.client { max_retries = 0 }
    local key = "AKIAIOSFODNN7EXAMPLE"
    s:fault { status = 400, body = '{"success":false,"error":{"code":400,'
      .. '"message":"access key ' .. key .. ' is not valid"}}' }
    local _, err = c.recordings:start { meeting_id = U, storage_config = {
      type = "aws", access_key = key, region = "eu-west-1", bucket = "b", secret = "x-secret" } }
    assert.equal("api", err.kind)
    assert.equal("access key [REDACTED] is not valid", err.message)
    assert.is_nil(err.body:find(key, 1, true))
  end)

  it("refuse secrets that are not text before anything is sent, without showing them",
    function()
      local c, s = helper.client { max_retries = 0 }
      for _, key in ipairs { 987654321, { "tok-in-a-list" } } do
        local _, err = c.recordings:start { meeting_id = U, storage_config = {
          type = "aws", access_key = key, region = "r" } }
        assert.equal("invalid_argument", err.kind)
        assert.equal("storage_config.access_key", err.param)
        assert.is_nil(tostring(err):find("987654321", 1, true))
        assert.is_nil(tostring(err):find("tok-in-a-list", 1, true))
      end
      assert.equal(0, s:stats().requests)
    end)
end)

describe("realtimekit.schema", function()
  local function problem(s, v, strict)
    local at, why = s:check(v, "", strict)
    return at and (at .. ": " .. why) or nil
  end

  it("puts no limit on a string's length unless one is given, and checks it when strict",
    function()
      assert.is_nil(problem(S.string(), string.rep("x", 100000), true))
      assert.equal(": expected at most 3 bytes, got 4",
        problem(S.string { max = 3 }, "abcd", true))
      assert.is_nil(problem(S.string { max = 3 }, "abcd"))
      assert.equal(": is not valid UTF-8 text without NUL", problem(S.string(), "a\0"))
    end)

  it("checks the uri format when strict as RFC 3986 has it: a scheme, a colon, no spaces",
    function()
      local uri = S.string { format = "uri" }
      for _, v in ipairs { "https://example.com/a.png", "rtmps://x:443/app/key", "srt://h:9000",
                           "mailto:a@example.com", "data:image/png;base64,AAAA", "urn:x:y" } do
        assert.is_nil(problem(uri, v, true), v)
      end
      for _, v in ipairs { "example.com/a.png", "/a.png", "", "https://a b", "1http://x",
                           "https://x\n" } do
        assert.matches("expected a URI", problem(uri, v, true), 1, true)
        assert.is_nil(problem(uri, v), v)
      end
      assert.matches("expected a UUID", problem(S.string { format = "uuid" }, "x", true), 1, true)
    end)

  it("checks ranges only when strict, at every depth, and words a one-sided one", function()
    local s = S.object { { "list", S.array(S.object {
      { "n", S.number { min = 1 } }, { "m", S.integer { max = 9 } },
      { "r", S.number { min = 60, max = 600 } } }, { min = 1 }) } }
    assert.is_nil(problem(s, { list = { { n = 0, m = 10, r = 0 } } }))
    assert.is_nil(problem(s, { list = {} }))
    assert.equal("list[1].n: expected a number at least 1, got 0",
      problem(s, { list = { { n = 0 } } }, true))
    assert.equal("list[1].m: expected a whole number at most 9, got 10",
      problem(s, { list = { { m = 10 } } }, true))
    assert.equal("list[1].r: expected a number from 60 to 600, got 0",
      problem(s, { list = { { r = 0 } } }, true))
    assert.equal("list: expected 1 to any number of elements, got 0",
      problem(s, { list = {} }, true))
    -- In a union too.
    local u = S.any_of { S.object({ { "n", S.number { min = 1 } } }, { label = "one" }) }
    assert.is_nil(problem(u, { n = 0 }))
    assert.matches("^n: expected a number at least 1, got 0", problem(u, { n = 0 }, true))
  end)

  it("takes other keys of an open object, with any JSON value, after its own fields", function()
    local o = S.object({ { "a", S.boolean() } }, { open = true })
    assert.is_nil(problem(o, { a = true, z = { 1, "x" }, b = realtimekit.null }))
    assert.equal('{"a":true,"b":null,"z":[1,"x"]}',
      o:encode { a = true, z = { 1, "x" }, b = realtimekit.null })
    assert.equal("a: expected true or false, got a string", problem(o, { a = "yes" }))
    assert.equal("z: expected a finite number", problem(o, { z = 0 / 0 }))
    assert.matches("keys must be valid UTF-8 text without NUL", problem(o, { ["\255"] = 1 }), 1,
      true)
    assert.matches("unknown field", problem(S.object { { "a", S.boolean() } }, { z = 1 }))
  end)

  it("makes every field optional at every depth: objects, maps, arrays and unions", function()
    local item = S.object { { "id", S.string(), required = true }, { "n", S.number() } }
    local s = S.object {
      { "map", S.map(item), required = true },
      { "list", S.array(item) },
      { "either", S.any_of { S.object({ { "a", S.string(), required = true } }, { label = "a" }),
                             S.object({ { "a", S.string() },
                                        { "b", S.string(), required = true } },
                                      { label = "b" }) } },
    }
    assert.equal("map: required", problem(s, {}))
    assert.equal("map.k.id: required", problem(s, { map = { k = {} } }))
    assert.equal("list[1].id: required", problem(s, { map = {}, list = { {} } }))
    local p = S.partial(s)
    assert.is_nil(problem(p, {}))
    assert.is_nil(problem(p, { map = { k = { n = 1 } }, list = { { n = 2 } }, either = {} }))
    assert.equal("map.k.n: expected a finite number, got a string",
      problem(p, { map = { k = { n = "1" } } }))
    assert.equal('{"map":{"k":{"n":1}},"list":[{"n":2}]}',
      p:encode { map = { k = { n = 1 } }, list = { { n = 2 } } })
  end)

  it("takes a value any one variant of a union fits, and says what each needs", function()
    local u = S.any_of({
      S.object({ { "kind", S.string { enum = { "x" } } } }, { label = "kind x" }),
      S.object({ { "kind", S.string { enum = { "y" } } },
                 { "key", S.string(), required = true } }, { label = "kind y with key" }),
    }, { nullable = true })
    assert.is_nil(problem(u, {}))
    assert.is_nil(problem(u, { kind = "x" }))
    assert.is_nil(problem(u, { kind = "y", key = "k" }))
    assert.is_nil(problem(u, realtimekit.null))
    assert.equal('{"kind":"y","key":"k"}', u:encode { key = "k", kind = "y" })
    assert.equal("key: required; it fits none of the 2 forms it may take: kind x; "
      .. "kind y with key", problem(u, { kind = "y" }))
    assert.matches("^: expected a table of fields", problem(u, "x"))
  end)

  it("gives every text and number of a free-form secret value, for scrubbing", function()
    local secret = S.object { { "key", S.any { secret = true } } }
    assert.same({ "987654321", "tok-in-a-list" },
      secret:secrets { key = { 987654321, { "tok-in-a-list", "abc" } } })
  end)

  it("refuses a free-form table that holds itself instead of recursing forever", function()
    local t = {}
    t.self = t
    assert.matches("nested too deeply", problem(S.any(), t), 1, true)
  end)

  describe("describing a body", function()
    it("words each kind with the notes strict, secrets and null add", function()
      assert.equal("whole number (with strict: 1 to 1920)",
        S.integer { min = 1, max = 1920 }:describe())
      assert.equal("string (with strict: uri; may be `realtimekit.null`)",
        S.string { format = "uri", nullable = true }:describe())
      assert.equal("one of `mono`, `stereo`", S.string { enum = { "mono", "stereo" } }:describe())
      assert.equal("string (with strict: at most 1 byte; secret: never shown in an error)",
        S.string { max = 1, secret = true }:describe())
      assert.equal("array of number (each with strict: at least 1; with strict: 1 to 10 "
        .. "elements)", S.array(S.number { min = 1 }, { min = 1, max = 10 }):describe())
      assert.equal("table of string keys to true or false", S.map(S.boolean()):describe())
      assert.equal("object (other keys take any JSON value)",
        S.object({}, { open = true }):describe())
      assert.equal("object in any one of 2 forms: *a*; *form 2*", S.any_of {
        S.object({ { "x", S.string() } }, { label = "a" }), S.object { { "x", S.string() } },
      }:describe(function(text) return "*" .. text .. "*" end))
    end)

    it("outlines nested fields by the path an error names them with", function()
      local body = S.object {
        { "name", S.string(), required = true },
        { "config", S.object { { "size", S.object { { "width", S.number { min = 1 } } } } } },
        { "tags", S.array(S.object { { "id", S.string() } }) },
        { "limits", S.map(S.object { { "n", S.integer() } }) },
      }
      local lines = {}
      for _, f in ipairs(body:outline()) do
        lines[#lines + 1] = f.path .. (f.required and " (required)" or "") .. ": " .. f.text
      end
      assert.same({
        "name (required): string",
        "config: object", "config.size: object",
        "config.size.width: number (with strict: at least 1)",
        "tags: array of object", "tags[i].id: string",
        "limits: table of string keys to object", "limits.<key>: object",
        "limits.<key>.n: whole number",
      }, lines)
      assert.is_true(body:has_required())
      assert.is_false(S.partial(body):has_required())
    end)

    it("gives its LuaLS type, the classes of its objects named by the caller", function()
      local classes = {}
      local function class(s, name)
        classes[#classes + 1] = name .. ":" .. s.kind
        return name
      end
      local body = S.object { { "size", S.array(S.object { { "w", S.number() } },
        { nullable = true }) } }
      assert.equal("P", body:lua_type("P", class))
      assert.equal("P.size[]|realtimekit.Null", body.fields[1][2]:lua_type("P.size", class))
      assert.equal('"a"|"b"', S.string { enum = { "a", "b" } }:lua_type())
      assert.equal("table<string, integer>", S.map(S.integer()):lua_type())
      assert.same({ "P:object", "P.size:object" }, classes)
    end)

    it("says what a command line gives for each kind", function()
      assert.equal("number", S.integer():cli())
      assert.equal("number", S.number():cli())
      assert.equal("string", S.string():cli())
      assert.equal("array", S.array(S.string()):cli())
      assert.equal("json", S.object {}:cli())
      assert.equal("json", S.any():cli())
    end)
  end)
end)
