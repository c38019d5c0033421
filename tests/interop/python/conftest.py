"""Fixtures for the third-party Python clients. tests/interop/run.sh starts a fresh broker per scenario and
passes its address in KAFKA_BOOTSTRAP, so these tests also run against any Kafka."""
import os
import re
import uuid

import pytest


@pytest.fixture
def bootstrap():
    address = os.environ.get("KAFKA_BOOTSTRAP")
    if not address:
        pytest.fail("KAFKA_BOOTSTRAP is not set: run these through tests/interop/run.sh")
    return address


@pytest.fixture
def partitions():
    """Partitions of an auto-created topic (the broker's --partitions)."""
    return int(os.environ.get("INTEROP_PARTITIONS", "3"))


@pytest.fixture
def topic(request):
    """A topic name no other test uses."""
    return f"{re.sub(r'[^A-Za-z0-9._-]', '-', request.node.name)}-{uuid.uuid4().hex[:8]}"
