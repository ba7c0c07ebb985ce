--- Endpoint descriptions of analytics (client.analytics).
-- @module realtimekit.resources.analytics
local t = require "realtimekit.types"

local ANALYTICS = "/accounts/{account_id}/realtime/kit/{app_id}/analytics"
local RANGE = { { "start_time", t.unix_seconds }, { "end_time", t.unix_seconds },
                { "filters", t.text } }

return {
  livestreams_overall = {
    http = "GET",
    path = ANALYTICS .. "/livestreams/overall",
    query = RANGE,
    sdk = { ts = "livestreams.getLivestreamAnalyticsComplete",
            go = "Livestreams.GetLivestreamAnalyticsComplete" },
    data_optional = true,
  },
  livestreams_daywise = {
    http = "GET",
    path = ANALYTICS .. "/livestreams/daywise",
    query = RANGE,
    sdk = { ts = "livestreams.getLivestreamAnalyticsDaywise",
            go = "Livestreams.GetLivestreamAnalyticsDaywise" },
    data_optional = true,
    data_array = true, -- the SDK: `data?: Array<…Data>`, one entry per day
  },
  daywise = {
    http = "GET",
    path = ANALYTICS .. "/daywise",
    query = { { "start_date", t.date }, { "end_date", t.date } },
    sdk = { ts = "analytics.getOrgAnalytics", go = "Analytics.GetOrgAnalytics" },
    data_optional = true,
  },
}
