"""The artifacts of a deployment: every function package and layer template, uploaded to every region's
artifact bucket under content-addressed keys (an object already there is not uploaded again), and the
``TemplateURL`` a template too large to pass inline is read from: the control region's bucket, the artifacts
of record (``Blueprint.control_region``), so that no StackSet reads from the primary while it is down."""

from __future__ import annotations

import hashlib
from typing import Any

from drgen import awsdata, naming
from drgen.aws.clients import is_missing
from drgen.aws.operations import Runner
from drgen.aws.results import Change, Event
from drgen.synth.stacksets import INLINE_BODY_LIMIT, template_key


class Artifacts(Runner):
    def _artifacts(self) -> dict[str, bytes]:
        """Content-addressed key -> bytes: every function package and every layer template."""
        out = {pkg.key: pkg.data for pkg in self.rendered.packages.values()}
        for name in self.rendered.layer_templates:
            body = self.rendered.files[f"templates/{name}.json"]
            out[template_key(name, hashlib.sha256(body).hexdigest())] = body
        return dict(sorted(out.items()))

    def _upload(self) -> None:
        artifacts = self._artifacts()
        for region in self.bp.region_names:
            if self._skip("artifacts", region, f"{len(artifacts)} objects, not uploaded"):
                continue
            self.step = f"upload@{region}"
            bucket = self._bucket(region)
            s3 = self.clients.client("s3", region)
            missing = [key for key in artifacts if not self._object_exists(s3, bucket, key)]
            if not missing:
                self.result.changes.append(Change("artifacts", region, "unchanged",
                                                  f"{len(artifacts)} objects in s3://{bucket}"))
                continue
            self._note("artifacts", region, "upload", f"{len(missing)} of {len(artifacts)} objects to s3://{bucket}")
            if self.options.dry_run:
                continue
            started = self.clock()
            for key in missing:
                self._put(s3, bucket, key, artifacts[key])
            self.on_event(Event("artifacts", region, "upload", "done", self.clock() - started, f"{len(missing)} objects"))

    def _put(self, s3: Any, bucket: str, key: str, body: bytes) -> None:
        """Upload one content-addressed artifact, its checksum verified by S3."""
        s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256", ContentType=_content_type(key))

    def _bucket(self, region: str) -> str:
        return naming.artifact_bucket(self.bp.prefix, region).replace(naming.ACCOUNT, self.accounts[0])

    def _object_exists(self, s3: Any, bucket: str, key: str) -> bool:
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return True
        except Exception as error:
            if is_missing(error):
                return False
            raise

    def _template_source(self, layer: str, region: str | None = None) -> dict[str, str]:
        """The template of ``layer``, inline or by ``TemplateURL``: a StackSet's (no ``region``) from the control
        region's bucket, the artifact of record; a stack's from its own region's bucket when it has one."""
        body = self.rendered.files[f"templates/{layer}.json"]
        if len(body) <= INLINE_BODY_LIMIT:
            return {"TemplateBody": body.decode("utf-8")}
        source = region if region in self.bp.region_names else self.admin_region
        bucket = self._bucket(source)
        suffix = awsdata.url_suffix(source)
        key = template_key(layer, hashlib.sha256(body).hexdigest())
        return {"TemplateURL": f"https://{bucket}.s3.{source}.{suffix}/{key}"}


def _content_type(key: str) -> str:
    return "application/json" if key.endswith(".json") else "application/zip"
