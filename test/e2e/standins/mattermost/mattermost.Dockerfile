# Stand-in for docker.io/mattermost/mattermost-{team,enterprise}-edition:<version> (see ../README.md). Built by
# ../build.sh per version and edition; MM_VERSION is what the server reports in X-Version-Id.
FROM wizard-standin/base:latest
# Like the real image: user mattermost is uid/gid 2000, the server lives in /mattermost, mmctl is on PATH.
RUN echo 'mattermost:x:2000:2000:Mattermost:/mattermost:/bin/sh' >>/etc/passwd \
 && echo 'mattermost:x:2000:' >>/etc/group \
 && mkdir -p /mattermost/bin /mattermost/config /mattermost/data /mattermost/logs /mattermost/plugins /mattermost/client/plugins /mattermost/bleve-indexes \
 && chown -R 2000:2000 /mattermost
COPY lib/ /opt/standin/lib/
COPY mattermost/ /opt/standin/mattermost/
# The PostgreSQL stand-in's protocol (its client side), shared with the postgres images.
COPY postgres/pg.mjs /opt/standin/postgres/pg.mjs
COPY mattermost/bin/mattermost mattermost/bin/mmctl /mattermost/bin/
ENV PATH=/mattermost/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin MM_INSTALL_TYPE=docker MM_SERVICESETTINGS_ENABLELOCALMODE=true
ARG MM_VERSION
ARG MM_EDITION=team
ENV MM_STANDIN_VERSION=${MM_VERSION} MM_STANDIN_EDITION=${MM_EDITION}
USER 2000
WORKDIR /mattermost
EXPOSE 8065 8067 8074 8075
VOLUME ["/mattermost/data", "/mattermost/logs", "/mattermost/config", "/mattermost/plugins", "/mattermost/client/plugins"]
CMD ["/mattermost/bin/mattermost"]
