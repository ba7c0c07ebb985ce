-- The fake RealtimeKit server's nginx configuration, as a template whose @NAMES@
-- realtimekit.fake fills in: @LUA_PATH@ is the Lua path of the folders that hold the modules
-- nginx loads (realtimekit.fake.server.*, and the client's realtimekit.jsonpure), @CPATH@ where
-- lua-cjson for nginx's LuaJIT is, @NOW@ the Unix time its data set is dated back from.
return [[
@USER@
worker_processes 1;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
env REALTIMEKIT_FAKE_OWNER;

events {
  worker_connections 1024;
}

http {
  access_log off;
  client_body_temp_path @DIR@/tmp/body;
  proxy_temp_path @DIR@/tmp/proxy;
  fastcgi_temp_path @DIR@/tmp/fastcgi;
  uwsgi_temp_path @DIR@/tmp/uwsgi;
  scgi_temp_path @DIR@/tmp/scgi;

  lua_package_path "@LUA_PATH@/usr/share/lua/5.1/?.lua;;";
  lua_package_cpath "@CPATH@;;";
  lua_socket_log_errors off;

  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_buffer_size 4m;
  client_max_body_size 4m;
  server_tokens off;

  init_by_lua_block {
    require("realtimekit.fake.server.state").start(@NOW@)
    require("realtimekit.fake.server.events").init("@DIR@")
  }
  init_worker_by_lua_block {
    require("realtimekit.fake.server.owner").watch("@DIR@/nginx.pid")
  }

  server {
    listen 127.0.0.1:@PORT@ default_server;
    listen 127.0.0.1:@TLS_PORT@ ssl http2 default_server;
    ssl_certificate @DIR@/server.pem;
    ssl_certificate_key @DIR@/server.key;

    location /__control/ {
      content_by_lua_block { require("realtimekit.fake.server.control").handle() }
    }
    location /__control/webhooks/ {
      content_by_lua_block { require("realtimekit.fake.server.events").control() }
    }
    location / {
      content_by_lua_block { require("realtimekit.fake.server.api").handle() }
    }
  }

  # The same API behind a certificate for another host name, for hostname-check tests.
  server {
    listen 127.0.0.1:@WRONG_TLS_PORT@ ssl http2;
    ssl_certificate @DIR@/wrong.pem;
    ssl_certificate_key @DIR@/wrong.key;
    location / {
      content_by_lua_block { require("realtimekit.fake.server.api").handle() }
    }
  }
}
]]
