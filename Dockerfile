# leadflow connector: gunicorn serving the Flask app as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY connector ./connector
RUN pip install --constraint constraints.txt . \
    && useradd --system --uid 10001 --home /app leadflow \
    && mkdir -p /app/var && chown leadflow /app/var
COPY config ./config

USER leadflow
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
CMD ["connector", "serve", "--host", "0.0.0.0", "--port", "8000", "--production"]
