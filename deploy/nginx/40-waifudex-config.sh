#!/bin/sh
# Renders Waifudex's nginx config into $NGINX_CONF_OUT (default /etc/nginx/conf.d). The nginx image's
# entrypoint runs it before nginx starts (docker-compose.yml mounts it into /docker-entrypoint.d/);
# the deploy tests run it on the host with stand-in values.
#   HTTPS when $TLS_CERT_DIR holds fullchain.pem + privkey.pem (certbot's layout), else plain HTTP
#   (first start, before certbot has a certificate; or a LAN install without a domain).
# With RELOAD_INTERVAL (default 6h; 0 = off) it re-renders and reloads nginx on that period, so a
# certificate certbot obtained or renewed is picked up without a restart.
set -eu

fail() { echo "waifudex proxy: $*" >&2; exit 1; }

: "${SERVER_NAME:=}"
[ -n "$SERVER_NAME" ] || fail "set SERVER_NAME (the public host name, e.g. gallery.example.org) in .env"
case $SERVER_NAME in *[!A-Za-z0-9.-]*) fail "SERVER_NAME must be a host name (letters, digits, '.', '-'), got: $SERVER_NAME" ;; esac
: "${MAX_UPLOAD_BYTES:=26214400}"
case $MAX_UPLOAD_BYTES in '' | *[!0-9]*) fail "MAX_UPLOAD_BYTES must be a number of bytes, got: $MAX_UPLOAD_BYTES" ;; esac
: "${WAIFUDEX_UPSTREAM:=server:8080}"
# one or more host:port, comma- or space-separated (the scale profile: server:8080,replica:8080); a
# name that resolves to several addresses (compose replicas) adds each of them when nginx starts
WAIFUDEX_UPSTREAM_SERVERS=""
for upstream in $(echo "$WAIFUDEX_UPSTREAM" | tr ',' ' '); do
  case $upstream in *[!A-Za-z0-9.:_\[\]-]* | *[!0-9] | :*) fail "WAIFUDEX_UPSTREAM must be host:port entries separated by commas, got: $WAIFUDEX_UPSTREAM" ;; esac
  WAIFUDEX_UPSTREAM_SERVERS="${WAIFUDEX_UPSTREAM_SERVERS}server $upstream max_fails=2 fail_timeout=10s; "
done
[ -n "$WAIFUDEX_UPSTREAM_SERVERS" ] || fail "WAIFUDEX_UPSTREAM is empty"
: "${LISTEN_HTTP:=80}"
: "${LISTEN_HTTPS:=443}"
: "${TLS_CERT_DIR:=/etc/letsencrypt/live/$SERVER_NAME}"
: "${ACME_WEBROOT:=/var/www/certbot}"
: "${WAIFUDEX_NGINX_DIR:=/etc/waifudex-nginx}"
: "${NGINX_CONF_OUT:=/etc/nginx/conf.d}"
: "${RELOAD_INTERVAL:=6h}"
# nginx 1.25.1 replaced `listen … http2` with the `http2` directive; support both (Debian 12 has 1.22).
HTTP2_LISTEN=" http2" HTTP2_DIRECTIVE=""
version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9][0-9]*\)\.\([0-9][0-9]*\)\.\([0-9][0-9]*\).*|\1 \2 \3|p')
if [ -n "$version" ]; then
  set -- $version
  if [ "$1" -gt 1 ] || [ "$2" -gt 25 ] || { [ "$2" -eq 25 ] && [ "$3" -ge 1 ]; }; then HTTP2_LISTEN="" HTTP2_DIRECTIVE="http2 on;"; fi
fi
export SERVER_NAME MAX_UPLOAD_BYTES WAIFUDEX_UPSTREAM WAIFUDEX_UPSTREAM_SERVERS LISTEN_HTTP LISTEN_HTTPS TLS_CERT_DIR ACME_WEBROOT \
  WAIFUDEX_NGINX_DIR HTTP2_LISTEN HTTP2_DIRECTIVE
VARS='${SERVER_NAME} ${MAX_UPLOAD_BYTES} ${WAIFUDEX_UPSTREAM_SERVERS} ${LISTEN_HTTP} ${LISTEN_HTTPS} ${TLS_CERT_DIR} ${ACME_WEBROOT} ${WAIFUDEX_NGINX_DIR} ${HTTP2_LISTEN} ${HTTP2_DIRECTIVE}'

render() {
  mkdir -p "$NGINX_CONF_OUT" "$ACME_WEBROOT"
  rm -f "$NGINX_CONF_OUT/default.conf" # the image's welcome page
  if [ -s "$TLS_CERT_DIR/fullchain.pem" ] && [ -s "$TLS_CERT_DIR/privkey.pem" ]; then
    mode=https
  else
    mode=http
  fi
  envsubst "$VARS" <"$WAIFUDEX_NGINX_DIR/waifudex-$mode.conf.template" >"$NGINX_CONF_OUT/waifudex.conf.tmp"
  mv "$NGINX_CONF_OUT/waifudex.conf.tmp" "$NGINX_CONF_OUT/waifudex.conf"
  echo "$mode"
}

mode=$(render)
if [ "$mode" = http ]; then
  echo "waifudex proxy: no certificate in $TLS_CERT_DIR yet: serving plain HTTP on port $LISTEN_HTTP (docs/operations.md, HTTPS)"
else
  echo "waifudex proxy: HTTPS for $SERVER_NAME with the certificate in $TLS_CERT_DIR"
fi
if [ "$RELOAD_INTERVAL" != 0 ]; then
  (
    while sleep "$RELOAD_INTERVAL"; do
      render >/dev/null && nginx -t -q && nginx -s reload
    done
  ) </dev/null >/dev/null 2>&1 &
fi
