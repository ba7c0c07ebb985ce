--- Endpoint descriptions of analytics (client.analytics).
-- @module realtimekit.resources.analytics
local S = require "realtimekit.schema"

local ANALYTICS = "/accounts/{account_id}/realtime/kit/{app_id}/analytics"
local RANGE = { { "start_time", S.unix_seconds() }, { "end_time", S.unix_seconds() },
                { "filters", S.text() } }

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
    query = { { "start_date", S.date() }, { "end_date", S.date() } },
    sdk = { ts = "analytics.getOrgAnalytics", go = "Analytics.GetOrgAnalytics" },
    data_optional = true,
  },
}
