# Stand-in for docker.io/library/postgres:<major>-alpine (see ../README.md). Built by ../build.sh; PG_VERSION is
# what the server reports and the major version it writes to PGDATA/PG_VERSION.
FROM wizard-standin/base:latest
# Like the Alpine image: the postgres user is uid/gid 70, the socket folder is 3777.
RUN echo 'postgres:x:70:70:PostgreSQL:/var/lib/postgresql:/bin/sh' >>/etc/passwd \
 && echo 'postgres:x:70:' >>/etc/group \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R 70:70 /var/lib/postgresql /var/run/postgresql \
 && chmod 3777 /var/run/postgresql
COPY lib/ /opt/standin/lib/
COPY mattermost/ /opt/standin/mattermost/
COPY mattermost/bin/postgres mattermost/bin/pg_isready mattermost/bin/psql mattermost/bin/pg_dump mattermost/bin/pg_restore /usr/local/bin/
COPY mattermost/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ARG PG_VERSION=16.11
ENV PG_STANDIN_VERSION=${PG_VERSION} PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
