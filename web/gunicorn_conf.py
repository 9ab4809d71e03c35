"""gunicorn settings from the CLUSTERFLOW_* environment: gunicorn -c python:web.gunicorn_conf 'web:create_app()'.

Listens on CLUSTERFLOW_HOST:CLUSTERFLOW_PORT with CLUSTERFLOW_WORKERS processes of CLUSTERFLOW_THREADS
threads each (see web.serving; `clusterflow serve --production` uses the same settings).
"""
from web.serving import settings_from_environment

globals().update(settings_from_environment())
