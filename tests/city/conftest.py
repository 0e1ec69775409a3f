"""A city server (in a thread) on a fresh PostgreSQL database of the session's cluster, per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from city.runner import CityServerThread
from tests.support.city import CityPki
from tests.support.pg import PgCluster

_numbers = itertools.count(1)


@pytest.fixture
def city_url(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"city_{next(_numbers)}"
    yield pg_cluster.create_database(name)
    pg_cluster.drop_database(name)


@pytest.fixture
def pki(tmp_path: Path) -> CityPki:
    return CityPki(tmp_path)


@pytest.fixture
def city(city_url: str, pki: CityPki) -> Iterator[CityServerThread]:
    server = CityServerThread(city_url, pki.ca_directory).start()
    yield server
    server.stop()
