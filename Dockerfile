# trimtab as a service: one image for the web app, the pipeline scheduler, the command line
# and the Dask workers (a worker must run the very code and library versions the run that
# sends it chunks runs). Build: docker build -t trimtab . ; compose.yaml wires the services.
#
# Two stages: the build stage compiles nothing the runtime keeps but the virtualenv; the
# runtime stage is python:3.11-slim with the few system libraries trimtab loads, and runs
# as an unprivileged user. bookworm is named, not implied: its postgresql-client is 15, the
# PostgreSQL of compose.yaml (pg_dump/pg_restore of `trimtab db backup|restore` must be of
# the server's major version or newer, and pg_restore's output must be one the server reads).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/trimtab
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY src ./src
# The runtime dependencies only, each at exactly the version of requirements.lock (the lock
# the tests ran on, used as constraints): the dev tools in it (pytest, ruff, ...) stay out.
RUN /opt/trimtab/bin/pip install --constraint requirements.lock . \
 && /opt/trimtab/bin/trimtab --help > /dev/null

FROM python:3.11-slim-bookworm
# postgresql-client: pg_dump/pg_restore for `trimtab db backup|restore`; pango and
# harfbuzz: the PDF reports (WeasyPrint); fonts for them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      postgresql-client libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --user-group trimtab \
 && mkdir -p /srv/firm /data \
 && chown trimtab:trimtab /srv/firm /data
COPY --from=build /opt/trimtab /opt/trimtab
ENV PATH=/opt/trimtab/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TRIMTAB_DATABASE_URL=sqlite:////data/trimtab.db \
    TRIMTAB_LOG_FORMAT=json
USER trimtab
WORKDIR /srv/firm
EXPOSE 8000
# The web app's liveness endpoint; a container running another command (the scheduler, a
# Dask worker) sets its own check or none (compose.yaml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["trimtab"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
