#!/bin/sh
# As the real image's (nginx's) entrypoint: run the command it was given.
exec "$@"
