# Stand-in for ghcr.io/mastodon/mastodon-streaming:v<VERSION> (see ../../README.md): `node ./streaming/index.js`
# in /opt/mastodon, and curl for the health check. Built by ../../build.sh once per version.
FROM wizard-standin/base:latest
RUN echo 'mastodon:x:991:991::/opt/mastodon:/bin/sh' >>/etc/passwd \
 && echo 'mastodon:x:991:' >>/etc/group \
 && mkdir -p /opt/mastodon/streaming && chown 991:991 /opt/mastodon \
 && ln -s /opt/mastodon /mastodon
COPY lib/ /opt/standin/lib/
COPY mastodon/lib/ /opt/standin/mastodon/lib/
COPY mastodon/app/ /opt/standin/mastodon/app/
COPY mastodon/app/bin/curl /usr/local/bin/curl
COPY mastodon/app/streaming/index.js /opt/mastodon/streaming/index.js
ENV BIND=0.0.0.0 PORT=4000 NODE_ENV=production
WORKDIR /opt/mastodon
USER 991
EXPOSE 4000
ARG MASTODON_VERSION
ENV MASTODON_STANDIN_VERSION=${MASTODON_VERSION}
CMD ["node", "./streaming/index.js"]
