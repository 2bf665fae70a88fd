# Bastion gateway image (docs/deployment.md).
#   docker build -t bastion .
#   docker run --read-only --tmpfs /tmp -v bastion-data:/var/lib/bastion -p 8080:8080 bastion
# Builder: builds the wheel and installs it with its pinned dependencies into /opt/bastion.
# Final: the same slim Python, that venv, a non-root user; no compiler, no pip, no source tree.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python3 -m venv /opt/bastion \
 && /opt/bastion/bin/pip wheel --no-deps --wheel-dir /dist . \
 && /opt/bastion/bin/pip install /dist/*.whl \
 && /opt/bastion/bin/pip uninstall -y pip

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/bastion/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/bastion \
    BASTION_HEALTH_URL=http://127.0.0.1:8080/healthz
RUN groupadd --system --gid 10001 bastion \
 && useradd --system --uid 10001 --gid bastion --home-dir /var/lib/bastion --no-create-home \
            --shell /usr/sbin/nologin bastion \
 && mkdir -p /var/lib/bastion \
 && chown bastion:bastion /var/lib/bastion
COPY --from=builder /opt/bastion /opt/bastion
# the only writable paths: the data volume (SQLite, audit journal and keys) and /tmp (metrics of workers)
VOLUME ["/var/lib/bastion"]
WORKDIR /var/lib/bastion
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['BASTION_HEALTH_URL'], timeout=2)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["bastion"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
