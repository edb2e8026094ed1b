# Stand-in for docker.io/natsio/prometheus-nats-exporter:0.17.3 (see ../README.md). Built by ../build.sh.
FROM wizard-standin/base:latest
COPY lib/ /opt/standin/lib/
COPY exporters/ /opt/standin/exporters/
COPY exporters/bin/prometheus-nats-exporter /prometheus-nats-exporter
EXPOSE 7777
ENTRYPOINT ["/prometheus-nats-exporter"]
