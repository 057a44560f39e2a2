"""Settings for the benchmark server: the product's own settings (DEBUG off comes from the
environment the harness sets), with a URLconf that adds the baseline endpoints. Used only by
the harness through DJANGO_SETTINGS_MODULE=bench.site.settings; the product never loads it."""

from gongzhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.site.urls"
