"""A local S3-compatible server (moto's server mode) for the evidence-file tests, one per run,
and a fixture that points the workspace's evidence store at a new bucket in it."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_store(app, s3_endpoint, monkeypatch):
    """The app's evidence store, for this test, a bucket of the local server, made as a deployment
    makes it: from the UPLOAD_S3_* settings, with credentials from the environment."""
    import boto3

    from workspace.evidence import storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    settings = {
        "UPLOAD_S3_BUCKET": bucket,
        "UPLOAD_S3_ENDPOINT_URL": s3_endpoint,
        "UPLOAD_S3_REGION": "eu-west-2",
        "UPLOAD_S3_PREFIX": "evidence/",
    }
    store = storage.make_store(settings)
    assert isinstance(store, storage.S3Store)
    monkeypatch.setitem(app.extensions, "evidence_store", store)
    return store
