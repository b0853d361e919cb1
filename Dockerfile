# weightscan: one image for every role (web, worker, beat, migrate); the command picks it.
#   docker build -t weightscan .
#   docker run -p 8000:8000 weightscan                      # embedded mode, SQLite in /data
#   docker compose up --scale worker=4                      # distributed mode
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEIGHTSCAN_HOME=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY weightscan ./weightscan
RUN pip install '.[service,s3]' \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin weightscan \
    && mkdir -p /data \
    && chown weightscan:weightscan /data

# Never run as root: the worker parses hostile files (it never executes them, but still).
USER weightscan
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# Embedded mode by default: web server plus a worker on the SQLite broker. Binding to
# 0.0.0.0 means tokens are required unless WEIGHTSCAN_ALLOW_ANONYMOUS=true.
CMD ["weightscan", "serve", "--host", "0.0.0.0", "--port", "8000"]
