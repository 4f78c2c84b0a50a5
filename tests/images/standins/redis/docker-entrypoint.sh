#!/bin/sh
# The stand-in's entrypoint: what the official redis image's does, briefly.
set -e
# `docker run redis --port 7000` and `redis my.conf` mean redis-server.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  # The official build defaults protected mode to off: other containers connect.
  set -- "$@" --protected-mode no
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
