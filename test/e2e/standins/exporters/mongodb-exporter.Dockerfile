# Stand-in for docker.io/percona/mongodb_exporter:0.44.0 (see ../README.md). Built by ../build.sh.
FROM wizard-standin/base:latest
COPY lib/ /opt/standin/lib/
COPY exporters/ /opt/standin/exporters/
COPY exporters/bin/mongodb_exporter /mongodb_exporter
USER 65534
EXPOSE 9216
ENTRYPOINT ["/mongodb_exporter"]
