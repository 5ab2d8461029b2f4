# PoC Portal production image: gunicorn serving pocportal.wsgi on port 8000.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=pocportal.settings \
    DATA_DIR=/data

# System libraries WeasyPrint needs to render PDFs (harfbuzz-subset embeds only the glyphs used),
# and a default font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi8 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (from pyproject.toml, at the versions pinned in requirements/constraints.txt),
# so a code change does not reinstall them. Only the runtime dependencies, not the dev extras.
COPY pyproject.toml ./
COPY requirements/constraints.txt requirements/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c requirements/constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The application runs from /app (on PYTHONPATH) rather than from site-packages: settings find
# templates/, static/ and staticfiles/ next to the pocportal package.
COPY . .

# Static files are collected at build time (hashed names, .gz and .br copies); whitenoise serves them
# compressed with a far-future Cache-Control. Importing the settings never
# connects to a database or writes a file, so a placeholder key is all collectstatic needs.
RUN SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput

RUN useradd --system --user-group --create-home --home-dir /home/pocportal --shell /usr/sbin/nologin pocportal \
    && mkdir -p /data \
    && chown pocportal:pocportal /data
USER pocportal

EXPOSE 8000
# Worker processes: WEB_CONCURRENCY (gunicorn reads it), default 1 here; docker-compose.yml sets it.
CMD ["gunicorn", "pocportal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
