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
end)
