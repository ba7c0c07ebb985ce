-- The API reference as `make docs` builds it (LDoc, build/docs): what its pages show, and what
-- they must not.
local helper = require "helper"

local read = helper.read

local PAGES = { "index.html", "topics/methods.md.html" }
for _, m in ipairs { "realtimekit", "realtimekit.client", "realtimekit.errors",
  "realtimekit.pager", "realtimekit.engine", "realtimekit.resource", "realtimekit.ngx",
  "realtimekit.webhook" } do
  PAGES[#PAGES + 1] = "modules/" .. m .. ".html"
end

describe("make docs", function()
  local html = {}
  setup(function()
    -- LDoc (Penlight) needs HOME, which helper.run clears.
    local out, ok = helper.run("make --no-print-directory docs",
      { HOME = os.getenv("HOME") or "/tmp" })
    assert(ok, out)
    for _, page in ipairs(PAGES) do html[page] = read("build/docs/" .. page) end
  end)

  it("shows no markdown backtick as it is", function()
    for _, page in ipairs(PAGES) do
      assert.is_nil(html[page]:find("`", 1, true), page)
    end
  end)

  it("names the methods topic by its title and says what it holds", function()
    local index = html["index.html"]
    assert.is_truthy(index:find('<a href="topics/methods.md.html">Resource methods</a></td>%s*'
      .. '<td class="summary">Every method of every resource'))
    assert.is_nil(index:find('<td class="summary"></td>', 1, true))
    assert.is_nil(index:find(">methods.md<", 1, true))
    assert.is_truthy(html["modules/realtimekit.html"]:find(
      '<a href="../topics/methods.md.html">Resource methods</a>', 1, true))
  end)

  it("lists the resources in the topic's contents as plain names", function()
    local contents = html["topics/methods.md.html"]:match("<h2>Contents</h2>(.-)</ul>")
    assert.is_truthy(contents:find(">client.meetings </a>", 1, true))
    assert.is_truthy(contents:find(">client.analytics </a>", 1, true))
  end)

  it("says what every method returns, field by field, as the SDK declares it", function()
    local client = require "realtimekit.client"
    local resource = require "realtimekit.resource"
    local results = dofile("docs/results.lua")
    local topic = html["topics/methods.md.html"]
    -- Each method's section: from its heading to the next one.
    local sections, heads = {}, {}
    for at, head in topic:gmatch("()<h3><code>client%.([%w_]+:[%w_]+)%(") do
      heads[#heads + 1] = { at, head }
    end
    for i, h in ipairs(heads) do
      local stop = heads[i + 1] and heads[i + 1][1] or #topic
      sections[h[2]] = topic:sub(h[1], stop - 1)
    end
    for _, name in ipairs(client.RESOURCES) do
      for method in pairs(resource.rows(name)) do
        local id = name .. ":" .. method
        local section = sections[id]
        assert.is_truthy(section, id)
        assert.is_truthy(section:find("<code>" .. results[id].sdk .. "</code>", 1, true), id)
      end
    end
    assert.is_truthy(sections["sessions:list"]:find(
      "<li><code>minutes_consumed</code> (always): number. number of minutes consumed", 1, true))
    assert.is_truthy(sections["sessions:list"]:find("<li><code>page.paging</code>", 1, true))
    assert.is_truthy(sections["meetings:get"]:find(
      "<li><code>recording_config.audio_config.codec</code>: one of <code>MP3</code>", 1, true))
    assert.is_truthy(sections["active_session:get"]:find("<li><code>associated_id</code>", 1,
      true))
  end)

  it("has no bullet that only names a field", function()
    for _, page in ipairs(PAGES) do
      assert.is_nil(html[page]:match('<li><span class="parameter">[^<]*</span>%s*</li>'), page)
    end
  end)

  it("wraps long lines of code inside the page", function()
    for _, page in ipairs(PAGES) do
      assert.is_truthy(html[page]:find("pre { white-space: pre-wrap;", 1, true), page)
    end
  end)

  it("documents the client's fields and methods in its class, not in client.async's", function()
    local client = html["modules/realtimekit.client.html"]
    assert.is_nil(client:find("Async.base_url", 1, true))
    assert.is_truthy(client:find("<code>base_url</code>: the API's URL", 1, true))
    -- The client's methods are in its class, and client.async's class has its own.
    local client_class = client:find('<a name="Class_Client"></a>', 1, true)
    local async_class = client:find('<a name="Class_Async"></a>', 1, true)
    assert.is_truthy(client_class and async_class)
    for _, method in ipairs { "close", "poll", "request", "user_agent" } do
      local at = client:find('<a name = "Client:' .. method .. '"></a>', 1, true)
      assert.is_truthy(at and at > client_class and at < async_class, method)
    end
    assert.is_truthy(client:find('<a name = "Async:request"></a>', async_class, true))
  end)

  it("shows no internal helper", function()
    local errors = html["modules/realtimekit.errors.html"]
    for _, name in ipairs { "scrub", "tail", "redactor", "redact", "invalid", "new", "text",
      "transport", "decode", "from_response", "check_options", "may_retry", "retry_after",
      "days_from_civil" } do
      assert.is_nil(errors:find('name = "' .. name .. '"', 1, true), name)
    end
    assert.is_nil(html["modules/realtimekit.pager.html"]:find("OPTIONS", 1, true))
  end)
end)
