"""The official HubSpot SDK, configured once for leadflow.

- `host` points it at HubSpot or at the sandbox.
- Client-side validation is ON: the SDK's own models check every request and
  every answer read as a model (see the last point for those read as JSON).
- urllib3's retries are OFF: leadflow retries one call with tenacity, and two
  retry layers would multiply attempts and hide them from the rate budget.
- Every SDK accessor builds a fresh ApiClient with its own connection pool, so
  each API object is built here once and reused by every thread.
- Answers' times are parsed with the standard library's ISO-8601 parser
  (dateutil's general parser only for anything else): the SDK's own use of
  dateutil took about 70% of the client's time on a page of 1,000 events.
- Answers of many records (a search page of 200 contacts, a batch of 100, a
  page of 1,000 events) come back as the plain JSON the SDK parsed, not as
  model objects, and translate.py checks the fields leadflow reads: building
  and validating a model per record cost the connector more CPU than judging
  the contact (benchmarks/sync.py). Every other answer is a checked model.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

import hubspot
from hubspot.crm.contacts.exceptions import ApiException as ContactsApiException
from hubspot.crm.contacts.exceptions import OpenApiException as ContactsOpenApiException
from hubspot.crm.objects.tasks.exceptions import ApiException as TasksApiException
from hubspot.crm.objects.tasks.exceptions import OpenApiException as TasksOpenApiException
from hubspot.crm.owners.exceptions import ApiException as OwnersApiException
from hubspot.crm.owners.exceptions import OpenApiException as OwnersOpenApiException
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException
from hubspot.crm.properties.exceptions import OpenApiException as PropertiesOpenApiException
from hubspot.events.exceptions import ApiException as EventsApiException
from hubspot.events.exceptions import OpenApiException as EventsOpenApiException
from hubspot.marketing.transactional.exceptions import ApiException as EmailApiException
from hubspot.marketing.transactional.exceptions import OpenApiException as EmailOpenApiException

# Each SDK package has its own exception classes with no common base but
# Exception; these are the ones of the packages used here.
API_EXCEPTIONS: tuple[type[Exception], ...] = (
    ContactsApiException,
    TasksApiException,
    OwnersApiException,
    PropertiesApiException,
    EventsApiException,
    EmailApiException,
)
# Raised by the SDK before sending (a bad argument of ours), never by HubSpot.
REQUEST_EXCEPTIONS: tuple[type[Exception], ...] = (
    ContactsOpenApiException,
    TasksOpenApiException,
    OwnersOpenApiException,
    PropertiesOpenApiException,
    EventsOpenApiException,
    EmailOpenApiException,
)


# Answer types read as plain JSON, by SDK package (the same name in another package,
# e.g. a task batch, stays a model).
PLAIN_ANSWERS: dict[str, frozenset[str]] = {
    "hubspot.crm.contacts": frozenset(
        {
            "CollectionResponseWithTotalSimplePublicObjectForwardPaging",
            "BatchResponseSimplePublicObject",
            "BatchResponseSimplePublicObjectWithErrors",
        }
    ),
    "hubspot.events": frozenset({"CollectionResponseExternalUnifiedEvent"}),
}


@dataclass(frozen=True, slots=True)
class SdkApis:
    """The SDK API objects the gateway calls."""

    contacts_search: Any
    contacts_batch: Any
    tasks_basic: Any
    tasks_batch: Any
    tasks_search: Any
    owners: Any
    properties_core: Any
    properties_batch: Any
    property_groups: Any
    single_send: Any
    events: Any


def build_apis(base_url: str, access_token: str, pool_size: int) -> SdkApis:
    """API objects sharing one configuration; `pool_size` connections per API object."""
    client = hubspot.Client.create(
        access_token=access_token,
        host=base_url.rstrip("/"),
        retry=False,
        client_side_validation=True,
        connection_pool_maxsize=pool_size,
        api_factory=_api_factory,
    )
    crm = client.crm
    return SdkApis(
        contacts_search=crm.contacts.search_api,
        contacts_batch=crm.contacts.batch_api,
        tasks_basic=crm.objects.tasks.basic_api,
        tasks_batch=crm.objects.tasks.batch_api,
        tasks_search=crm.objects.tasks.search_api,
        owners=crm.owners.owners_api,
        properties_core=crm.properties.core_api,
        properties_batch=crm.properties.batch_api,
        property_groups=crm.properties.groups_api,
        single_send=client.marketing.transactional.single_send_api,
        events=client.events.events_api,
    )


def _api_factory(package: ModuleType, api_name: str, config: dict[str, Any]) -> Any:
    """The SDK's default factory (`DiscoveryBase._default_api_factory`), with a faster
    time parser in the ApiClient."""
    configuration = package.Configuration()
    for key, value in config.items():
        if key == "retry":
            configuration.retries = value
        else:
            setattr(configuration, key, value)
    api_client = _api_client_class(package)(configuration=configuration)
    version = importlib.metadata.version("hubspot-api-client")
    api_client.user_agent = f"hubspot-api-client-python; {version}"
    return getattr(package, api_name)(api_client=api_client)


@functools.cache
def _api_client_class(package: ModuleType) -> type:
    base = package.ApiClient

    def deserialize_datetime(self: Any, text: str) -> datetime:
        try:
            return datetime.fromisoformat(text)
        except (TypeError, ValueError):
            return base._ApiClient__deserialize_datetime(self, text)

    plain = PLAIN_ANSWERS.get(package.__name__, frozenset())

    def deserialize(self: Any, response: Any, response_type: str) -> Any:
        if response_type in plain:
            return json.loads(response.data)
        return base.deserialize(self, response, response_type)

    # The SDK calls `self.__deserialize_datetime`, mangled to this name.
    return type(
        "LeadflowApiClient",
        (base,),
        {"_ApiClient__deserialize_datetime": deserialize_datetime, "deserialize": deserialize},
    )
