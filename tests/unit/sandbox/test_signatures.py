"""The webhook sender's signatures reproduce HubSpot's published test vectors."""

from __future__ import annotations

from connector.sandbox.webhook_sender import v1_signature, v3_signature

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
SDK_BODY = "{'example_field':'example_value'}"
DOCS_V1_BODY = (
    '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    '"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    '"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)


def test_it_computes_the_v3_signature_of_the_sdks_test_vector():
    signature = v3_signature(
        SECRET, "POST", "https://www.example.com/webhook_uri", SDK_BODY, 1693657560000
    )

    assert signature == "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="


def test_it_computes_the_v1_signatures_of_the_sdk_and_docs_vectors():
    assert (
        v1_signature(SECRET, SDK_BODY)
        == "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"
    )
    assert (
        v1_signature(SECRET, DOCS_V1_BODY)
        == "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )
