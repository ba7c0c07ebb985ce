--- Endpoint descriptions of presets (client.presets): what a participant may do and see.
-- @module realtimekit.resources.presets
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local PRESETS = "/accounts/{account_id}/realtime/kit/{app_id}/presets"
local PRESET = { { "preset_id", S.id() } }

return {
  create = {
    http = "POST",
    path = PRESETS,
    body = shapes.preset,
    sdk = { ts = "presets.create", go = "Presets.New" },
  },
  list = {
    http = "GET",
    path = PRESETS,
    query = { { "page_no", S.count() }, { "per_page", S.count() }, { "search", S.text() } },
    items = { "data" },
    each = "each", pages = "pages",
    sdk = { ts = "presets.get", go = "Presets.Get" },
  },
  get = {
    http = "GET",
    path = PRESETS .. "/{preset_id}",
    args = PRESET,
    sdk = { ts = "presets.getPresetByID", go = "Presets.GetPresetByID" },
  },
  update = {
    http = "PATCH",
    path = PRESETS .. "/{preset_id}",
    args = PRESET,
    body = S.partial(shapes.preset),
    sdk = { ts = "presets.update", go = "Presets.Update" },
  },
  replace = {
    http = "PUT",
    path = PRESETS .. "/{preset_id}",
    args = PRESET,
    body = shapes.preset,
    sdk = { ts = "presets.replacePresetByID", go = "Presets.ReplacePresetByID" },
  },
  delete = {
    http = "DELETE",
    path = PRESETS .. "/{preset_id}",
    args = PRESET,
    sdk = { ts = "presets.delete", go = "Presets.Delete" },
  },
}
