#!/bin/sh
exec node /opt/standin/nginx-certbot/start.mjs "$@"
