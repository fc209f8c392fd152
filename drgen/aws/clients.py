"""boto3 clients for deploying: one injected session, an explicit region per client, retries, and AWS's
errors turned into messages that say what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from drgen import __version__
from drgen.diagnostics import clip
from drgen.errors import DeployError, DrgenError, UsageError

if TYPE_CHECKING:
    from drgen.aws.results import DeployOptions

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
        self.skipped = frozenset(options.skip_regions)
        """Regions no client may be made for (``--skip-region``): a last guard, drgen's runs ask for none."""

    def client(self, service: str, region: str) -> Any:
        if region in self.skipped:  # pragma: no cover - a drgen bug: every run checks for skipped regions first
            raise DeployError(f"drgen asked for a {service} client in {region}, which --skip-region leaves out; "
                              "nothing was called there")
        if (service, region) not in self._made:
            try:
                self._made[(service, region)] = self.session.client(service, region_name=region,
                                                                    endpoint_url=self.endpoint_url, config=self.config)
            except ValueError as error:  # botocore's "Invalid endpoint" for a URL check_endpoint let through
                raise UsageError(f"the endpoint URL {clip(repr(self.endpoint_url))} is not valid: {error}") from error
        return self._made[(service, region)]

    def account(self, region: str) -> str:
        account = self.client("sts", region).get_caller_identity().get("Account")
        if not (isinstance(account, str) and account.isdigit() and len(account) == 12):
            raise DeployError(f"sts:GetCallerIdentity at {self._where} answered no account: {self._advice}")
        return account

    @contextmanager
    def translating(self, step: Callable[[], str]) -> Iterator[None]:
        """Turn botocore's exceptions into a ``DeployError`` naming the step and what to do."""
        from botocore import exceptions as bx

        try:
            yield
        except DrgenError:
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
            if not code:  # an HTTP error whose body is not AWS's (an HTML page)
                status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
                raise DeployError(f"{step()}: {error.operation_name} failed: HTTP {status} from {self._where}, with an "
                                  f"answer that is not an AWS answer (an HTML page?): {self._advice}") from error
            raise DeployError(f"{step()}: {error.operation_name} failed: {code}: {clip(message, 300)}") from error
        except bx.BotoCoreError as error:
            raise DeployError(f"{step()}: {clip(str(error), 300)}") from error
        except Exception as error:
            if not _raised_in_botocore(error):
                raise  # a fault of drgen's own: its traceback must show
            first = str(error).splitlines()[0].rstrip(":") if str(error) else ""
            raise DeployError(f"{step()}: {self._where} answered something that is not an AWS answer "
                              f"({type(error).__name__}: {clip(first, 160)}): {self._advice}") from error

    @property
    def _where(self) -> str:
        return f"the endpoint {self.endpoint_url}" if self.endpoint_url else "AWS (or a proxy on the way)"

    @property
    def _advice(self) -> str:
        check = "check --endpoint-url" if self.endpoint_url else "check the network and any proxy"
        return f"{check}, then rerun drgen deploy: it continues from this step"


def check_endpoint(url: str) -> None:
    """Raise ``UsageError`` unless ``url`` is an http(s) URL with a host (and a valid port, if any)."""
    if not isinstance(url, str):
        raise TypeError(f"endpoint_url must be a str (a URL), not {type(url).__name__}")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as error:
        raise UsageError(f"the endpoint URL {clip(repr(url))} is not a URL: {error}") from error
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    valid = is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)  # what botocore accepts
    if parts.scheme not in ("http", "https") or not parts.hostname or not valid:
        raise UsageError(f"the endpoint URL {clip(repr(url))} is not an http:// or https:// URL with a valid host, "
                         "e.g. http://127.0.0.1:5000")


def _raised_in_botocore(error: BaseException) -> bool:
    """Whether ``error`` was raised inside botocore or urllib3: their failure on what an endpoint answered
    (botocore's parsers raise ResponseParserError, and KeyError for XML without the fields AWS sends)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", "")) if tb is not None else ""
    return module.split(".")[0] in ("botocore", "urllib3")


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
