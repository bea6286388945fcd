# MatchPath as a container image (docs/deploy.md): `docker build -t matchpath .`
#
# Two stages. The first builds MatchPath's wheel and installs the locked dependencies, every one
# checked against its hash, into a virtual environment; the second is a slim Python with only
# that environment, run as an unprivileged user. `matchpath` is the entry point and `serve` the
# default command: `docker run matchpath migrate`, `... scheduler`, `... serve --no-scheduler`.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# The build tool, locked with hashes too (deploy/build.lock), in an environment of its own.
COPY deploy/build.lock deploy/build.lock
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --only-binary=:all: -r deploy/build.lock
# Dependencies first, so that a change to the code alone reuses this layer. The runtime lock is
# requirements.lock less the development tools: the same versions and hashes (`make lock`).
COPY requirements-runtime.lock ./
RUN python -m venv /opt/matchpath \
    && /opt/matchpath/bin/pip install --require-hashes --only-binary=:all: \
        -r requirements-runtime.lock
COPY pyproject.toml README.md ./
COPY app app
COPY bot bot
COPY handlers handlers
COPY sandbox sandbox
COPY migrations migrations
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
    && /opt/matchpath/bin/pip install --no-deps --no-index /wheels/matchpath-*.whl

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/matchpath/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    MATCHPATH_INCIDENT_DIR=/var/lib/matchpath/incidents
# A system user with no login; its home is the working directory (a SQLite database, when one
# is used, goes there: mount a volume on it).
RUN groupadd --system --gid 10001 matchpath \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/matchpath --create-home \
        --shell /usr/sbin/nologin matchpath \
    && install -d -o matchpath -g matchpath -m 0700 /var/lib/matchpath/incidents
COPY --from=build /opt/matchpath /opt/matchpath
# Numeric, so that a runtime can tell it is not root without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/matchpath
EXPOSE 3000
# slim has no curl: Python's urllib asks /healthz, which answers 503 naming what is wrong.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MATCHPATH_PORT', '3000'), timeout=4)"]
ENTRYPOINT ["matchpath"]
CMD ["serve"]
