from tests.city.conftest import city, city_url, pki  # noqa: F401 - fixtures
