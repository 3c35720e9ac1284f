import pytest


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "tests.outbox.backends.FailingBackend"
