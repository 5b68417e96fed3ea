"""Request bodies as the official SDK's models, built with its client-side validation on.

The SDK validates the answers it deserializes; building the requests with the
same checks catches a bad enum or a missing required field of ours before
anything is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from hubspot.crm.contacts import Configuration
from hubspot.crm.contacts import models as contact_models
from hubspot.crm.objects.tasks import models as task_models
from hubspot.crm.properties import models as property_models
from hubspot.marketing.transactional import models as email_models

from connector.hubspot.changes import Condition
from connector.hubspot.constants import ASSOCIATION_CATEGORY, TASK_KEY_PREFIX, TASK_TO_CONTACT
from connector.hubspot.port import PropertyDefinition, PropertyGroup, TaskRequest

_VALIDATING = Configuration()
_VALIDATING.client_side_validation = True
_CHECKED: dict[str, Any] = {"local_vars_configuration": _VALIDATING}
TASK_SEARCH_LIMIT = 10


def contact_search(
    conditions: Sequence[Condition], sort: str, properties: list[str], limit: int
) -> Any:
    """One filter group (conditions ANDed), one ascending sort."""
    filters = [
        contact_models.Filter(
            property_name=c.property, operator=c.operator, value=c.value, **_CHECKED
        )
        for c in conditions
    ]
    return contact_models.PublicObjectSearchRequest(
        filter_groups=[contact_models.FilterGroup(filters=filters, **_CHECKED)],
        sorts=[{"propertyName": sort, "direction": "ASCENDING"}],
        properties=properties,
        limit=limit,
        **_CHECKED,
    )


def contact_batch_read(ids: Sequence[str], properties: list[str], id_property: str | None) -> Any:
    return contact_models.BatchReadInputSimplePublicObjectId(
        inputs=[contact_models.SimplePublicObjectId(id=i, **_CHECKED) for i in ids],
        properties=properties,
        properties_with_history=[],
        id_property=id_property,
        **_CHECKED,
    )


def contact_batch_update(changes: Sequence[tuple[str, dict[str, str]]]) -> Any:
    inputs = [
        contact_models.SimplePublicObjectBatchInput(id=i, properties=p, **_CHECKED)
        for i, p in changes
    ]
    return contact_models.BatchInputSimplePublicObjectBatchInput(inputs=inputs, **_CHECKED)


def task_marker(key: str) -> str:
    """The word stored in a task's body for `key`: one token, safe for CONTAINS_TOKEN."""
    return TASK_KEY_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def task_create(task: TaskRequest) -> Any:
    """A task associated with its contact, its key's marker on the body's last line."""
    return task_models.SimplePublicObjectInputForCreate(
        properties=_task_properties(task), associations=[_task_association(task)], **_CHECKED
    )


def task_batch_create(tasks: Sequence[TaskRequest]) -> Any:
    """Each task built as `task_create` builds it, in one batch input."""
    inputs = [
        task_models.SimplePublicObjectBatchInputForCreate(
            properties=_task_properties(t), associations=[_task_association(t)], **_CHECKED
        )
        for t in tasks
    ]
    return task_models.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs, **_CHECKED)


def _task_properties(task: TaskRequest) -> dict[str, str]:
    properties = {
        "hs_timestamp": task.due_at.astimezone(UTC).isoformat(timespec="milliseconds"),
        "hs_task_subject": task.subject,
        "hs_task_body": f"{task.body}\n\n{task_marker(task.key)}",
        "hs_task_type": task.task_type,
        "hs_task_status": task.status,
        "hs_task_priority": task.priority,
    }
    if task.owner_id:
        properties["hubspot_owner_id"] = task.owner_id
    return properties


def _task_association(task: TaskRequest) -> Any:
    spec = task_models.AssociationSpec(
        association_category=ASSOCIATION_CATEGORY, association_type_id=TASK_TO_CONTACT, **_CHECKED
    )
    return task_models.PublicAssociationsForObject(
        to=task_models.PublicObjectId(id=task.contact_id, **_CHECKED), types=[spec], **_CHECKED
    )


def task_search(marker: str) -> Any:
    """Tasks whose body holds the marker word."""
    match = task_models.Filter(
        property_name="hs_task_body", operator="CONTAINS_TOKEN", value=marker, **_CHECKED
    )
    return task_models.PublicObjectSearchRequest(
        filter_groups=[task_models.FilterGroup(filters=[match], **_CHECKED)],
        properties=["hs_task_body"],
        limit=TASK_SEARCH_LIMIT,
        **_CHECKED,
    )


def single_send(
    email_id: int,
    to: str,
    send_id: str,
    contact_properties: Mapping[str, str] | None,
    custom_properties: Mapping[str, str] | None,
) -> Any:
    return email_models.PublicSingleSendRequestEgg(
        email_id=int(email_id),
        message=email_models.PublicSingleSendEmail(to=to, send_id=send_id, **_CHECKED),
        contact_properties=dict(contact_properties or {}),
        custom_properties=dict(custom_properties or {}),
        **_CHECKED,
    )


def property_group(group: PropertyGroup) -> Any:
    return property_models.PropertyGroupCreate(name=group.name, label=group.label, **_CHECKED)


def property_create(group_name: str, definition: PropertyDefinition) -> Any:
    options = [
        property_models.OptionInput(
            label=o.label, value=o.value, hidden=False, display_order=n, **_CHECKED
        )
        for n, o in enumerate(definition.options)
    ]
    return property_models.PropertyCreate(
        name=definition.name,
        label=definition.label,
        type=definition.type,
        field_type=definition.field_type,
        group_name=group_name,
        description=definition.description,
        options=options or None,
        **_CHECKED,
    )
