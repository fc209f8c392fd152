"""boto3 clients for deploying: one injected session, an explicit region per client, retries, and AWS's
errors turned into messages that say what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from drgen import __version__
from drgen.errors import DeployError

if TYPE_CHECKING:
    from drgen.deploying import DeployOptions

MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound", "StackSetNotFoundException",
                 "StackInstanceNotFoundException", "OperationNotFoundException"}
CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
                    "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId",
                    "AuthFailure", "TokenRefreshRequired"}


class Clients:
    """The clients of one ``boto3.Session``, made once per (service, region)."""

    def __init__(self, session: Any, options: DeployOptions) -> None:
        from botocore.config import Config

        self.session = session
        self.endpoint_url = options.endpoint_url
        self.config = Config(retries={"mode": "standard", "max_attempts": options.max_attempts},
                             connect_timeout=10, read_timeout=60, user_agent_extra=f"drgen/{__version__}")
        self._made: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        if (service, region) not in self._made:
            self._made[(service, region)] = self.session.client(service, region_name=region,
                                                                endpoint_url=self.endpoint_url, config=self.config)
        return self._made[(service, region)]

    def account(self, region: str) -> str:
        return str(self.client("sts", region).get_caller_identity()["Account"])

    @contextmanager
    def translating(self, step: Callable[[], str]) -> Iterator[None]:
        """Turn botocore's exceptions into a ``DeployError`` naming the step and what to do."""
        from botocore import exceptions as bx

        try:
            yield
        except DeployError:
            raise
        except (bx.NoCredentialsError, bx.PartialCredentialsError) as error:
            raise DeployError(f"{step()}: no usable AWS credentials ({error}); set a profile (--profile) or the "
                              "AWS_* environment variables and rerun") from error
        except (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError) as error:
            raise DeployError(f"{step()}: the AWS SSO session has expired ({error}); run 'aws sso login' "
                              "and rerun drgen deploy: it continues from this step") from error
        except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as error:
            raise DeployError(f"{step()}: cannot reach AWS ({error}); check the network or --endpoint-url and "
                              "rerun drgen deploy: it continues from this step") from error
        except bx.ClientError as error:
            code = error_code(error)
            message = error.response.get("Error", {}).get("Message", "")
            if code in CREDENTIAL_CODES:
                raise DeployError(f"{step()}: AWS refused the credentials ({code}: {message}); refresh them and "
                                  "rerun drgen deploy: it continues from this step") from error
            raise DeployError(f"{step()}: {error.operation_name} failed: {code}: {message}") from error
        except bx.BotoCoreError as error:
            raise DeployError(f"{step()}: {error}") from error


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def is_missing(error: BaseException) -> bool:
    """Whether ``error`` says the thing asked for does not exist (a stack, a StackSet, an object)."""
    code = error_code(error)
    if code in MISSING_CODES:
        return True
    message = str(getattr(error, "response", {}).get("Error", {}).get("Message", ""))
    return code == "ValidationError" and "does not exist" in message
